"""Ports: the protocols the application speaks. Adapters implement them; the composition root picks."""
