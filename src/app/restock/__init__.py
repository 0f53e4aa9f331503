"""Restock: graded items moved into the configured supply channels, each movement applied once."""
