"""`backflow check-config`: the configuration, the database (a SQLite file that can be created or
written, at a schema version this release knows, or a reachable PostgreSQL server), and one real call
to each API with its credentials."""

from __future__ import annotations

import os
from collections.abc import Mapping

from backflow.adapters.commercetools import CommercetoolsAdapter, CommercetoolsConfig
from backflow.adapters.rebound.client import ReboundClient
from backflow.adapters.rebound.config import ReboundConfig, ReboundConfigError
from backflow.app.bootstrap.checks_base import Check
from backflow.app.bootstrap.database_check import database_check
from backflow.app.bootstrap.intake_checks import intake_checks
from backflow.app.core.settings import ConfigError, settings_from_env
from backflow.ports.commerce_types import OrderQuery
from backflow.ports.errors import NotFoundError, PortError

PROBE_ORDER = "backflow-check-config-probe"
MIN_TOKEN_LENGTH = 16


async def check_config(env: Mapping[str, str] | None = None) -> list[Check]:
    env = os.environ if env is None else env
    checks: list[Check] = []
    try:
        settings = settings_from_env(env)
        where = f"from {settings.config_path}" if settings.config_path else "defaults (no BACKFLOW_CONFIG)"
        checks.append(
            Check("backflow settings", True, f"{len(settings.file.reasons)} reason mappings, {where}")
        )
        checks.append(_admin_token(settings.admin_token))
        checks.append(await database_check(settings))
    except ConfigError as exc:
        checks.append(Check("backflow settings", False, str(exc)))
    checks.extend(await _commercetools(env))
    checks.extend(await _rebound(env))
    checks.extend(intake_checks(env))
    return checks


def _admin_token(token: str | None) -> Check:
    if token is None:
        return Check("admin API", True, "BACKFLOW_ADMIN_TOKEN not set: the admin API (and TUI) is off", True)
    if len(token) < MIN_TOKEN_LENGTH:
        return Check("admin API", True, f"BACKFLOW_ADMIN_TOKEN is short; use {MIN_TOKEN_LENGTH}+ chars", True)
    return Check("admin API", True, "token set")


async def _commercetools(env: Mapping[str, str]) -> list[Check]:
    try:
        config = CommercetoolsConfig.from_env(env)
    except ValueError as exc:
        return [Check("commercetools settings", False, str(exc))]
    checks = [Check("commercetools settings", True, f"project {config.project_key} at {config.api_url}")]
    adapter = CommercetoolsAdapter(config)
    try:
        page = await adapter.query_orders(OrderQuery(limit=1))
        total = "unknown" if page.total is None else str(page.total)
        checks.append(Check("commercetools API", True, f"token granted; orders readable ({total} orders)"))
    except PortError as exc:
        checks.append(Check("commercetools API", False, f"{type(exc).__name__}: {exc.message}"))
    except Exception as exc:  # connection refused, DNS, TLS: say what happened, not a traceback
        checks.append(Check("commercetools API", False, f"cannot reach {config.auth_url}: {exc!r}"))
    finally:
        await adapter.aclose()
    return checks


async def _rebound(env: Mapping[str, str]) -> list[Check]:
    try:
        config = ReboundConfig.from_env(env)
    except ReboundConfigError as exc:
        return [Check("ReBound settings", False, str(exc))]
    checks = [Check("ReBound settings", True, f"API at {config.api_url}")]
    client = ReboundClient.open(config)
    try:
        await client.get_sales_order(PROBE_ORDER)
        checks.append(Check("ReBound API", True, "token granted; sales orders readable"))
    except NotFoundError:
        checks.append(Check("ReBound API", True, "token granted; sales orders readable"))
    except PortError as exc:
        checks.append(Check("ReBound API", False, f"{type(exc).__name__}: {exc.message}"))
    except Exception as exc:
        checks.append(Check("ReBound API", False, f"cannot reach {config.api_url}: {exc!r}"))
    finally:
        await client.aclose()
    return checks
