"""The exception use cases: one module per action, shared by the admin API and the CLI."""
