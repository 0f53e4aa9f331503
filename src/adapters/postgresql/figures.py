"""The metrics' figures on PostgreSQL: written once in adapters.sqlstore over PostgreSQL's dialect."""

from __future__ import annotations

from backflow.adapters.postgresql.dialect import POSTGRES
from backflow.adapters.sqlstore.figures import Figures


class PostgresFigures(Figures):
    dialect = POSTGRES
