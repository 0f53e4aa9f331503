"""In-memory adapters: real implementations of the ports without durability, for tests and dry runs."""
