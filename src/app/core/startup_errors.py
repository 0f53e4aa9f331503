"""Why the daemon could not start: one line naming the setting to fix, and an exit code per kind.

    0  stopped cleanly                      3  an API refused the credentials (CTP_*, REBOUND_*)
    1  anything else (see the log)          4  BACKFLOW_DB cannot be used as the database
    2  a setting is missing or malformed    5  BACKFLOW_HTTP_HOST:BACKFLOW_HTTP_PORT cannot be listened on

The traceback is never printed to the terminal; it goes to the log at debug level
(`BACKFLOW_LOG_LEVEL=DEBUG`). An API that is unreachable at start is not a failure: the daemon
starts, takes webhooks durably, retries, and says so in `/readyz`.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import IntEnum

from backflow.app.core.settings import ConfigError

EXIT_CODES = """exit status:
  0  stopped cleanly (SIGTERM/SIGINT)
  1  any other failure (the traceback is in the log at debug level)
  2  a setting is missing or malformed (BACKFLOW_*, CTP_*, REBOUND_*, the TOML file)
  3  commercetools or ReBound refused the credentials
  4  BACKFLOW_DB cannot be used (a directory, not writable, not a database, a newer schema)
  5  BACKFLOW_HTTP_HOST:BACKFLOW_HTTP_PORT cannot be listened on
"""


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1
    CONFIG = 2
    CREDENTIALS = 3
    DATABASE = 4
    LISTEN = 5


class StartupError(Exception):
    """A start-up failure whose cause is known: `setting` is what to fix, `found` what was wrong."""

    def __init__(self, code: ExitCode, setting: str, found: str) -> None:
        super().__init__(f"{setting}: {found}")
        self.code, self.setting, self.found = code, setting, found


def classify(error: BaseException) -> tuple[ExitCode, str]:
    """The exit code and the one line for a failure; in an exception group, a known cause first."""
    leaves = list(_leaves(error))
    # A clean-up that fails while the daemon stops (a closed stream, say) replaces the exception it
    # interrupted: the known cause is then found in the chain behind it.
    known = [e for e in _with_context(leaves) if isinstance(e, StartupError | ConfigError)]
    leaf = (known or leaves or [error])[0]
    if isinstance(leaf, StartupError):
        return leaf.code, str(leaf)
    text = " ".join(str(leaf).split()) or "no message"
    if isinstance(leaf, ConfigError):
        return ExitCode.CONFIG, text
    return ExitCode.FAILED, f"{type(leaf).__name__}: {text}"[:500]


def _leaves(error: BaseException) -> Iterator[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            yield from _leaves(inner)
    else:
        yield error


def _with_context(leaves: list[BaseException]) -> Iterator[BaseException]:
    seen: set[int] = set()
    for leaf in leaves:
        inner: BaseException | None = leaf
        while inner is not None and id(inner) not in seen:
            seen.add(id(inner))
            yield from _leaves(inner)
            inner = inner.__context__
