"""`backflow demo`: both simulators and the daemon as child processes, a busy day driven over HTTP,
and a summary read from the admin API (checked against commercetools' own state)."""
