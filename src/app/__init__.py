"""The application: use cases, actors, configuration and the composition root."""
