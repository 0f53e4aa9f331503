"""Query parameters shared by every list endpoint: where, var.*, sort, limit, offset, withTotal."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from multidict import MultiMapping

from backflow.devtools.commercetools_sim.errors import invalid
from backflow.devtools.commercetools_sim.predicates import compile_predicate
from backflow.devtools.commercetools_sim.state import Resource

MAX_LIMIT = 500
MAX_OFFSET = 10_000


def _int(params: MultiMapping[str], name: str, default: int, ceiling: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid(f"Malformed parameter: {name}: not an integer.") from None
    if not 0 <= value <= ceiling:
        raise invalid(f"Malformed parameter: {name}: must be between 0 and {ceiling}.")
    return value


def _sort_key(path: str) -> Any:
    def key(resource: Resource) -> tuple[bool, Any]:
        value: Any = resource
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return (value is None, value if value is not None else "")

    return key


def run_query(resources: Iterable[Resource], params: MultiMapping[str]) -> dict[str, Any]:
    variables = {k[4:]: v for k, v in params.items() if k.startswith("var.")}
    predicates = [compile_predicate(w, variables) for w in params.getall("where", [])]
    matched = [r for r in resources if all(p(r) for p in predicates)]
    # Stable sorts applied from the last criterion to the first give a multi-key sort.
    for spec in reversed(params.getall("sort", [])):
        parts = spec.split()
        if len(parts) not in (1, 2) or (len(parts) == 2 and parts[1].lower() not in ("asc", "desc")):
            raise invalid(f"Malformed parameter: sort: '{spec}'.")
        matched.sort(key=_sort_key(parts[0]), reverse=len(parts) == 2 and parts[1].lower() == "desc")
    limit = _int(params, "limit", 20, MAX_LIMIT)
    offset = _int(params, "offset", 0, MAX_OFFSET)
    page = matched[offset : offset + limit]
    body: dict[str, Any] = {"limit": limit, "offset": offset, "count": len(page), "results": page}
    if params.get("withTotal", "true").lower() != "false":
        body["total"] = min(len(matched), MAX_OFFSET)
    return body
