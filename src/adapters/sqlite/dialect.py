"""What the shared repositories (adapters.sqlstore) need from SQLite: its SQL, writes and times."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence

from backflow.adapters.sqlite.codec import ROWS, dt, ts
from backflow.adapters.sqlite.sql import q
from backflow.adapters.sqlite.staging import StagedWrite
from backflow.adapters.sqlstore.dialect import Dialect


def statement(sql_name: str, params: Mapping[str, object]) -> StagedWrite:
    """A staged write that is one named statement with `now` added to its parameters."""

    def write(conn: sqlite3.Connection, now: float) -> None:
        conn.execute(q(sql_name), {**params, "now": now})

    return write


def texts(values: Sequence[str]) -> str:
    """A list parameter for `IN (SELECT value FROM json_each(:name))`."""
    return json.dumps(list(values))


SQLITE = Dialect(q=q, statement=statement, ts=ts, dt=dt, rows=ROWS, texts=texts)
