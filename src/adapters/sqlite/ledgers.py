"""The ledgers on SQLite: written once in adapters.sqlstore over SQLite's dialect."""

from __future__ import annotations

from backflow.adapters.sqlite.dialect import SQLITE
from backflow.adapters.sqlstore.ledgers import CreditLedger, RefundLedger, StockLedger


class SqliteStockLedger(StockLedger):
    dialect = SQLITE


class SqliteRefundLedger(RefundLedger):
    dialect = SQLITE


class SqliteCreditLedger(CreditLedger):
    dialect = SQLITE
