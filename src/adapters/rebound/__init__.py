"""The ReBound returns platform: HTTP client, webhook intake and a simulator (contract: rebound-api.md)."""
