"""Benchmarks and the chaos run; their figures go to docs/."""
