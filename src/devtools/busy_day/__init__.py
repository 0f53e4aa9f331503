"""The one busy-day driver (`driver.Driver`), the shop it seeds (`catalog`), and the check of a day's
outcome from the simulators' own state (`check`): used by the demo, the e2e tests, the benchmarks and
the chaos run."""
