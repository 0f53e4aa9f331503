"""Returns: ReBound events, anchoring to the order, validation, receipt, held returns, catch-up, reasons."""
