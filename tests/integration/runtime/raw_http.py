"""A raw HTTP/1.1 client over one TCP socket on 127.0.0.1: the body goes out in small segments with
pauses, as it reaches a server across a real network (~1,448 bytes per segment), with Content-Length
or chunked. The answer is read concurrently, so a server that answers before the body is all sent
(a 413 on Content-Length, a cut chunked body) is seen at once and the client stops sending."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import anyio
from anyio.abc import SocketStream

SEGMENT = 1448
PAUSE = 0.001


@dataclass
class Answer:
    status: int
    body: bytes
    sent: int
    """Body bytes (framing included) written before the answer was complete."""
    total: int
    """Body bytes (framing included) there were to send."""

    def json(self) -> Any:
        return json.loads(self.body)


def segments(data: bytes, size: int = SEGMENT) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def chunked(data: bytes, size: int = SEGMENT) -> list[bytes]:
    """Chunked transfer coding, one chunk per segment (its framing included in the segment)."""
    framing = len(f"{size:x}\r\n\r\n")
    out = [f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in segments(data, size - framing)]
    return [*out, b"0\r\n\r\n"]


async def post(
    port: int,
    path: str,
    body: bytes,
    *,
    headers: dict[str, str] | None = None,
    chunked_body: bool = False,
    pause: float = PAUSE,
    wait_before_body: float = 0.0,
) -> Answer:
    """POST `body` in segments; `wait_before_body` gives the server time to answer on the headers alone."""
    fields = {"Content-Type": "application/json"} | (headers or {})
    head = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    head += [f"{name}: {value}" for name, value in fields.items()]
    if chunked_body:
        head.append("Transfer-Encoding: chunked")
        parts = chunked(body)
    else:
        head.append(f"Content-Length: {len(body)}")
        parts = list(segments(body))
    raw_head = ("\r\n".join(head) + "\r\n\r\n").encode()
    async with await anyio.connect_tcp("127.0.0.1", port) as stream:
        stream.extra(anyio.abc.SocketAttribute.raw_socket).setsockopt(
            socket.IPPROTO_TCP, socket.TCP_NODELAY, 1
        )
        reply = _Reply()
        sent = 0
        async with anyio.create_task_group() as tg:
            tg.start_soon(reply.read, stream)
            await stream.send(raw_head)
            if wait_before_body:
                with anyio.move_on_after(wait_before_body):
                    await reply.done.wait()
            for part in parts:
                if reply.done.is_set():
                    break
                try:
                    await stream.send(part)
                except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
                    break
                sent += len(part)
                await anyio.sleep(pause)
            await reply.done.wait()
    return Answer(reply.status, reply.body, sent, sum(len(p) for p in parts))


class _Reply:
    def __init__(self) -> None:
        self.buffer = bytearray()
        self.done = anyio.Event()
        self.status = 0
        self.body = b""

    async def read(self, stream: SocketStream) -> None:
        try:
            while not self._complete():
                try:
                    self.buffer += await stream.receive()
                except (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
                    break
        finally:
            self.done.set()

    def _complete(self) -> bool:
        head, sep, rest = bytes(self.buffer).partition(b"\r\n\r\n")
        if not sep:
            return False
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(fields.get("content-length", "0"))
        if len(rest) < length:
            return False
        self.body = rest[:length]
        return True
