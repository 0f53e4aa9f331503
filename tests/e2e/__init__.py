"""The whole daemon as a process against both simulators."""
