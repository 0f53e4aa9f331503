"""The one body reader of every inbound endpoint: the whole body, up to a cap, or None beyond it.

`request.content.read(n)` returns what aiohttp has buffered so far, not `n` bytes: on a real
network a body arrives in ~1.4 KB TCP segments, and one read would cut it short. This reads until
the body ends. A declared Content-Length over the cap is refused before a byte is read; a chunked
body (no declared length) is read up to one byte past the cap and cut there, so at most
`limit + 1` bytes are ever held. The ReBound webhook (an adapter) gets this function from the
composition root, so both intake endpoints and the admin API read bodies the same way.
"""

from __future__ import annotations

from aiohttp import web

MAX_BODY = 1024 * 1024
"""The cap of the intake endpoints (the ReBound webhook, the commercetools push)."""


async def read_body(request: web.BaseRequest, limit: int) -> bytes | None:
    """The body, or None when it is larger than `limit` bytes (answer 413, store nothing)."""
    declared = request.content_length
    if declared is not None and declared > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.content.read(limit + 1 - size)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return None
