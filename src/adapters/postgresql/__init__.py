"""The store ports on PostgreSQL (psycopg 3 and its pool): the same guarantees as the SQLite store."""
