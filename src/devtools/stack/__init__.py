"""The one stack launcher: both simulators and `backflow run` as processes on 127.0.0.1, with their
files (database, TOML, env file, logs, PID file) under one directory. The demo, the e2e tests, the
benchmarks and the chaos run all start their stacks with `launcher.Stack`."""
