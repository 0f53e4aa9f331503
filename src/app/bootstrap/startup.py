"""What `open_wiring` checks before the daemon serves: each failure a `StartupError` (or a
`ConfigError`) that names the setting to fix and what was found. An API that does not answer is not
a failure (it is retried, and `/readyz` says so); an API that refuses the credentials is."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from contextlib import AsyncExitStack
from typing import Any

from backflow.adapters.commercetools import CommercetoolsAdapter, CommercetoolsConfig
from backflow.adapters.rebound.config import ReboundConfig
from backflow.adapters.sqlite.preflight import check_database
from backflow.app.bootstrap import stores
from backflow.app.bootstrap.stores import Store
from backflow.app.core.settings import ConfigError, Settings, redact_db_url
from backflow.app.core.startup_errors import ExitCode, StartupError
from backflow.ports.errors import NotFoundError, TransientError, UnauthorizedError
from backflow.ports.returns_platform import ReturnsPlatformPort

READINESS_PROBE_ORDER = "backflow-readiness-probe"


def commercetools_config(env: Mapping[str, str]) -> CommercetoolsConfig:
    try:
        return CommercetoolsConfig.from_env(env)
    except ValueError as exc:  # names the variable: missing, or not an http(s) URL
        raise ConfigError(str(exc)) from exc


def rebound_config(env: Mapping[str, str]) -> ReboundConfig:
    try:
        return ReboundConfig.from_env(env)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc


async def open_store(stack: AsyncExitStack, settings: Settings, **options: Any) -> Store:
    """The store, entered on `stack`; BACKFLOW_DB's problem (a directory, unwritable, a server that
    does not answer, ...) by name."""
    where = redact_db_url(settings.db_url) if settings.db_url else str(settings.db_path)
    if settings.db_url is None:
        found = check_database(settings.db_path)
        if not found.ok:
            raise StartupError(ExitCode.DATABASE, "BACKFLOW_DB", found.message)
    try:
        return await stack.enter_async_context(stores.open_store(settings, **options))
    except (OSError, sqlite3.Error, RuntimeError) as exc:  # OSError covers an unreachable server
        raise StartupError(ExitCode.DATABASE, "BACKFLOW_DB", f"{where}: {exc}") from exc


async def prepare_commerce(commerce: CommercetoolsAdapter, config: CommercetoolsConfig) -> None:
    """Create the restock marker Type if missing. commercetools being away must not stop a (re)start:
    webhooks are still taken durably, and the first restock creates the Type itself."""
    try:
        await commerce.prepare()
    except TransientError:  # noted by the recording proxy; /readyz shows it
        return
    except UnauthorizedError as exc:
        raise StartupError(
            ExitCode.CREDENTIALS,
            "CTP_CLIENT_ID/CTP_CLIENT_SECRET",
            f"commercetools refused client {config.client_id!r} at {config.token_url}: {exc.message}",
        ) from exc


async def probe_rebound(platform: ReturnsPlatformPort, config: ReboundConfig) -> None:
    """One read at start-up, so readiness knows at once whether ReBound answers (a 404 is an answer)."""
    try:
        await platform.get_sales_order(READINESS_PROBE_ORDER)
    except NotFoundError:
        pass
    except UnauthorizedError as exc:
        raise StartupError(
            ExitCode.CREDENTIALS,
            "REBOUND_CLIENT_ID/REBOUND_CLIENT_SECRET",
            f"ReBound refused client {config.client_id!r} at {config.api_url}: {exc.message}",
        ) from exc
    except Exception:  # noted by the recording proxy; intake still works while ReBound is away
        return
