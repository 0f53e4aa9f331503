"""Reason codes: ReBound's free text mapped through the configured table to the commercetools enum."""

from __future__ import annotations

from app.core.context import FlowContext
from ports.commerce_types import ReasonCode


def mapped_reason(ctx: FlowContext, reason_code: str | None) -> ReasonCode | None:
    if reason_code is None:
        return None
    key = ctx.settings.reason_key(reason_code)
    if key is None:
        return None
    policies = ctx.settings.file.policies
    return ReasonCode(type_key=policies.reason_type_key, field=policies.reason_field_name, value=key)


def unmapped_dedupe_key(reason_code: str) -> str:
    """One exception per unmapped text (matching ignores case and outer spaces, as the table does)."""
    return f"unmapped_reason_code:{reason_code.strip().casefold()}"
