"""Refunds: issue, compare with the recomputed amount, the ledger, mismatches, settle, reject, decide."""
