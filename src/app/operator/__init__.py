"""Operator actions on exceptions: acknowledge, resolve, retry, re-anchor (refusals are domain-level)."""
