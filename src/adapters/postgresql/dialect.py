"""What the shared repositories (adapters.sqlstore) need from PostgreSQL: its SQL, writes and times."""

from __future__ import annotations

from backflow.adapters.postgresql.codec import ROWS, dt, ts
from backflow.adapters.postgresql.sql import q
from backflow.adapters.postgresql.staging import statement
from backflow.adapters.sqlstore.dialect import Dialect

POSTGRES = Dialect(q=q, statement=statement, ts=ts, dt=dt, rows=ROWS, texts=list)
