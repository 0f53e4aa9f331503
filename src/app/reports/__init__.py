"""Reports for people: the month-end reconciliation and the return reasons, built from the ledgers."""
