"""Google Cloud pieces both platforms' pushes share: the Pub/Sub push envelope and its OIDC token."""
