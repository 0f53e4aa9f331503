"""What the SQLite and PostgreSQL stores share: repositories written once over a `Dialect`.

Each engine keeps only what truly differs: its connections, its staged writes that need a
connection, how it stores times and maps, and its SQL text (looked up by name).
"""
