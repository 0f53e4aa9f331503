"""Reason codes: ReBound's free text mapped through the configured table to the commercetools enum."""

from __future__ import annotations

from backflow.app.core.policies import ReasonsPolicy
from backflow.ports.commerce_types import ReasonCode


def mapped_reason(reasons_policy: ReasonsPolicy, reason_code: str | None) -> ReasonCode | None:
    if reason_code is None:
        return None
    key = reasons_policy.key_of(reason_code)
    if key is None:
        return None
    return ReasonCode(type_key=reasons_policy.type_key, field=reasons_policy.field_name, value=key)


def unmapped_dedupe_key(reason_code: str) -> str:
    """One exception per unmapped text (matching ignores case and outer spaces, as the table does)."""
    return f"unmapped_reason_code:{reason_code.strip().casefold()}"
