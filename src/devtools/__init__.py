"""Development tooling beside the product: the simulators, the stack launcher, the busy-day driver
and the demo. Installed with the project, but the daemon never imports it: `backflow sim` and
`backflow demo` load it inside their handlers only (import-linter: `product-without-devtools`)."""
