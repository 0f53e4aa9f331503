"""Backflow's operator TUI. It talks to the daemon's admin API only; it never opens the database."""
