"""Configured secrets never reach logs, traces, error bodies or what the TUI shows (the admin API), across
a short busy day with kills and faults (the short chaos path), traces exported over OTLP/HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from backflow.devtools.stack.http import request
from backflow.devtools.stack.launcher import Stack
from backflow.devtools.stack.layout import Secrets
from bench import chaos

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(240)]

SECRETS = Secrets(
    ctp_client_secret="CTPSECRET-leakcheck-5a1f",
    rebound_client_secret="RBSECRET-leakcheck-77c2",
    webhook_secret="WHSECRET-leakcheck-09be",
    admin_token="ADMINTOKEN-leakcheck-3d4e",
)


class _Collector(BaseHTTPRequestHandler):
    """An OTLP/HTTP receiver that keeps every exported batch (protobuf: strings are stored as bytes)."""

    batches: list[bytes] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.batches.append(self.rfile.read(length))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def collector() -> Iterator[ThreadingHTTPServer]:
    _Collector.batches = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_no_configured_secret_appears_anywhere(tmp_path: Path, collector: ThreadingHTTPServer) -> None:
    shown: list[str] = []

    def look(stack: Stack) -> None:
        # What the TUI shows comes from these; and the error bodies of refused requests.
        for path in ("/api/overview", "/api/exceptions?state=any&limit=1000", "/api/dead-letters"):
            shown.append(repr(stack.admin("GET", path)))
        shown.append(
            repr(request("GET", f"{stack.url}/api/overview", headers={"Authorization": "Bearer no"}))
        )
        shown.append(repr(request("POST", f"{stack.url}/webhooks/rebound", raw=b"{}")))
        shown.append(repr(request("GET", f"{stack.url}/readyz")))

    port = collector.server_address[1]
    figures = chaos.run(
        "short",
        seed=3,
        workdir=tmp_path,
        secrets=SECRETS,
        env={
            "BACKFLOW_LOG_LEVEL": "DEBUG",
            "OTEL_TRACES_EXPORTER": "otlp",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": f"http://127.0.0.1:{port}/v1/traces",
        },
        before_stop=look,
    )
    assert figures["lost"] == 0 and figures["kills"] >= 5
    files = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.suffix == ".log"}
    assert files["daemon.log"], "the daemon logged nothing: the check would prove nothing"
    spans = b"".join(_Collector.batches)
    assert b"/webhooks/rebound" in spans, "no spans exported: the check would prove nothing"
    for secret in SECRETS.values():
        for name, content in files.items():
            assert secret.encode() not in content, f"{secret} in {name}"
        assert secret.encode() not in spans, f"{secret} in an exported span"
        assert not [text for text in shown if secret in text], f"{secret} in an API answer"
