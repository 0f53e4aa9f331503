"""Drift monitors: scheduled comparisons of Backflow's ledger with commercetools and ReBound.

Each finding is raised as an exception of its type with a stable dedupe key, so a finding seen on
every run stays one exception (its count and last-seen grow) until someone resolves it.
"""
