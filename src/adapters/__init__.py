"""Adapters: the technologies behind the ports. Only the composition root (`app.bootstrap`) imports them."""
