"""Polling the Messages API after a persisted (createdAt, id) cursor."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from backflow.adapters.commercetools.http import CommercetoolsHttp
from backflow.ports.commerce_types import CommerceMessage, MessageCursor, MessagePage


class _ResourceRef(msgspec.Struct):
    typeId: str  # commercetools field names are camelCase
    id: str


class _MessageHead(msgspec.Struct):
    id: str
    type: str
    resource: _ResourceRef
    createdAt: str
    sequenceNumber: int = 0
    resourceVersion: int = 0


class _RawPage(msgspec.Struct):
    results: list[msgspec.Raw]


_DECODE_HEAD = msgspec.json.Decoder(_MessageHead)
_DECODE_PAGE = msgspec.json.Decoder(_RawPage)


def message_from_json(raw: bytes) -> CommerceMessage:
    head = _DECODE_HEAD.decode(raw)
    return CommerceMessage(
        id=head.id,
        type=head.type,
        resource_type=head.resource.typeId,
        resource_id=head.resource.id,
        sequence_number=head.sequenceNumber,
        resource_version=head.resourceVersion,
        created_at=head.createdAt,
        body=bytes(raw),
    )


async def poll_messages(
    http: CommercetoolsHttp, cursor: MessageCursor | None, types: Sequence[str], limit: int
) -> MessagePage:
    params: list[tuple[str, str]] = []
    if types:
        quoted = ", ".join(msgspec.json.encode(t).decode() for t in types)
        params.append(("where", f"type in ({quoted})"))
    if cursor is not None:
        # Messages created in the same millisecond are told apart by id: (createdAt, id) is a total order.
        params.append(("where", "createdAt > :at or (createdAt = :at and id > :id)"))
        params += [("var.at", cursor.created_at), ("var.id", cursor.id)]
    params += [("sort", "createdAt asc"), ("sort", "id asc"), ("limit", str(min(limit, 500)))]
    params.append(("withTotal", "false"))
    page = _DECODE_PAGE.decode(await http.get("/messages", params))
    messages = [message_from_json(bytes(raw)) for raw in page.results]
    last = messages[-1] if messages else None
    next_cursor = MessageCursor(created_at=last.created_at, id=last.id) if last is not None else cursor
    return MessagePage(messages=messages, cursor=next_cursor)
