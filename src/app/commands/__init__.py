"""One module per `backflow` subcommand; each has `register(subparsers)` and sets `handler`."""
