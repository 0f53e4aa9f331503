"""A clean-up failure during a failed start does not hide the start-up error it interrupted."""

from __future__ import annotations

import pytest

from backflow.app.core.startup_errors import ExitCode, StartupError, classify

pytestmark = pytest.mark.unit


def test_the_known_cause_behind_a_clean_up_failure_is_the_one_reported() -> None:
    try:
        try:
            raise ExceptionGroup(
                "start", [StartupError(ExitCode.LISTEN, "BACKFLOW_HTTP_PORT", "8080 is taken")]
            )
        except ExceptionGroup:
            raise EOFError("stream closed while stopping") from None
    except EOFError as during_cleanup:
        during_cleanup.__suppress_context__ = False
        code, line = classify(during_cleanup)
    assert (code, line) == (ExitCode.LISTEN, "BACKFLOW_HTTP_PORT: 8080 is taken")


def test_an_unknown_failure_is_still_reported_as_itself() -> None:
    code, line = classify(RuntimeError("boom"))
    assert (code, line) == (ExitCode.FAILED, "RuntimeError: boom")
