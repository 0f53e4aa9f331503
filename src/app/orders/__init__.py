"""Orders: commercetools messages (pushed or polled), order sync to ReBound, the sweep, the lag check."""
