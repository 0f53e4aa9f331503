"""The five flows as use cases: one module per use case, each a handler the actors run."""
