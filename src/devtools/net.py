"""127.0.0.1 plumbing for whatever starts processes: free ports, "is it listening", and waiting."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

HOST = "127.0.0.1"


def free_ports(count: int) -> list[int]:
    """`count` distinct free ports (held open together, so the kernel cannot hand one out twice)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((HOST, 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def free_port() -> int:
    return free_ports(1)[0]


def listening(port: int) -> bool:
    try:
        socket.create_connection((HOST, port), timeout=0.2).close()
    except OSError:
        return False
    return True


def wait_for(check: Callable[[], Any], within: float, what: str, *, every: float = 0.05) -> Any:
    """Poll `check` until it returns something truthy (returned); TimeoutError after `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(every)
    raise TimeoutError(f"timed out after {within:.0f}s waiting for {what}")
