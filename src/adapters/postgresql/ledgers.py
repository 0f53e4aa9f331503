"""The ledgers on PostgreSQL: written once in adapters.sqlstore over PostgreSQL's dialect."""

from __future__ import annotations

from backflow.adapters.postgresql.dialect import POSTGRES
from backflow.adapters.sqlstore.ledgers import CreditLedger, RefundLedger, StockLedger


class PostgresStockLedger(StockLedger):
    dialect = POSTGRES


class PostgresRefundLedger(RefundLedger):
    dialect = POSTGRES


class PostgresCreditLedger(CreditLedger):
    dialect = POSTGRES
