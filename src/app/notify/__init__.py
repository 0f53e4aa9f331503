"""Notify: acknowledgements to ReBound and alerts to people."""
