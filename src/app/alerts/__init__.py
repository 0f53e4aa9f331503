"""Alerts: a JSON notification when an exception opens or outlives its age limit, once per reason."""
