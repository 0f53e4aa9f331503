"""The runtime: daemon, registry, actors, relay, scheduler, supervisor, wake-ups, health."""
