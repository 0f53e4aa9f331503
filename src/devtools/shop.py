"""The simulated shop every devtools run shares (the demo, the e2e tests, the benchmarks, the chaos
run): its channels, the reason texts ReBound's portal offers and the codes they map to, the reason-code
Type, and the API clients both simulators are started with. One definition, so that what a run seeds,
configures and checks cannot drift apart."""

from __future__ import annotations

SUPPLY_CHANNEL = "5e1f0c52-3a4d-4c1e-9b7a-0d3c2a1b0001"  # the warehouse sellable stock goes to
OUTLET_CHANNEL = "5e1f0c52-3a4d-4c1e-9b7a-0d3c2a1b0002"  # where OUTLET/REFURBISH items go
# The simulated portal's reason texts; "Not as described" and the odd free texts stay unmapped on
# purpose, so merchandising sees `unmapped_reason_code` exceptions.
REASONS = {
    "Too large": "TOO_LARGE",
    "Too small": "TOO_SMALL",
    "Faulty": "FAULTY",
    "Changed my mind": "CHANGED_MIND",
}
REASON_KEYS = (*REASONS.values(), "NOT_AS_DESCRIBED", "OTHER")
REASON_TYPE_KEY = "backflow-return-item"
CT_PROJECT, CT_CLIENT, CT_SECRET = "backflow-demo", "demo-client", "demo-client-secret"
RB_CLIENT, RB_SECRET = "backflow", "sim-client-secret"  # the ReBound simulator's built-in API client
