"""Backflow's pure domain core: money, order snapshots, refund calculation and the return state machine.

Nothing here performs I/O, reads a clock or imports an async library; import-linter enforces it.
"""
