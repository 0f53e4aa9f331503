"""`X-Correlation-ID` as commercetools treats it: echoed on the response (a fresh one when the caller
sent none) and kept for support; here the recent ids and the API calls that came without one."""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

HEADER = "X-Correlation-ID"
KEPT = 1000
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Correlations:
    def __init__(self) -> None:
        self.recent: deque[dict[str, str]] = deque(maxlen=KEPT)
        self.missing = 0

    def view(self) -> dict[str, object]:
        return {"recent": list(self.recent), "missing": self.missing}


def correlation_middleware(seen: Correlations) -> Middleware:
    @web.middleware
    async def correlate(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(("/_sim/", "/oauth/")):
            return await handler(request)
        given = request.headers.get(HEADER)
        if given:
            seen.recent.append({"id": given, "method": request.method, "path": request.path})
        else:
            seen.missing += 1
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            exc.headers[HEADER] = given or uuid.uuid4().hex
            raise
        response.headers[HEADER] = given or uuid.uuid4().hex
        return response

    return correlate
