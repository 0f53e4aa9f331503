"""The HTTP surface: intake endpoints, health, and the admin API (aiohttp; no adapter imports)."""
