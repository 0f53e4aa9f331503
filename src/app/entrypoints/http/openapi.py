"""`GET /api/openapi.json`: an OpenAPI 3.1 description of every endpoint, schemas from the structs.

The endpoints themselves are listed in `operations.py`."""

from __future__ import annotations

import re
from typing import Any

import msgspec
from aiohttp import web

from backflow.app.entrypoints.http.operations import OPERATIONS
from backflow.app.entrypoints.http.responses import json_response

REF = "#/components/schemas/{name}"


def build_document() -> dict[str, Any]:
    structs = sorted(
        {t for op in OPERATIONS for t in [op.body, *op.responses.values()] if t is not None},
        key=lambda t: t.__name__,
    )
    refs, components = msgspec.json.schema_components(structs, ref_template=REF)
    ref_of = dict(zip(structs, refs, strict=True))
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        entry: dict[str, Any] = {
            "summary": op.summary,
            "operationId": op.method + "_" + re.sub(r"[^a-z0-9]+", "_", op.path.lower()).strip("_"),
            "tags": [op.tag],
            "responses": {
                str(status): {"description": _describe(status)}
                | ({"content": {"application/json": {"schema": ref_of[kind]}}} if kind else {})
                for status, kind in op.responses.items()
            },
        }
        if op.params:
            entry["parameters"] = [
                {"name": p.name, "in": p.where, "required": p.where == "path", "schema": p.schema}
                | ({"description": p.description} if p.description else {})
                for p in op.params
            ]
        if op.body is not None:
            entry["requestBody"] = {
                "required": False,
                "content": {"application/json": {"schema": ref_of[op.body]}},
            }
        elif op.raw_body is not None:
            entry["requestBody"] = {
                "required": True,
                "description": op.raw_body,
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        entry["security"] = [{"bearer": []}] if op.secured else []
        paths.setdefault(op.path, {})[op.method] = entry
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Backflow",
            "version": "0.1.0",
            "description": "Intake, health and the admin API of the Backflow daemon. Admin calls "
            "need `Authorization: Bearer $BACKFLOW_ADMIN_TOKEN` and are refused from browsers "
            "(any Origin header).",
        },
        "servers": [{"url": "http://127.0.0.1:8080"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _describe(status: int) -> str:
    return {
        200: "OK",
        202: "Accepted",
        400: "Bad request",
        401: "Unauthorized",
        403: "Browser refused",
        404: "Not found",
        409: "Conflict",
        413: "Body too large",
        503: "Unavailable",
    }.get(status, "Response")


async def openapi(_: web.Request) -> web.Response:
    return json_response(build_document())
