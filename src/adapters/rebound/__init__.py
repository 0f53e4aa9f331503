"""The ReBound returns platform: HTTP client and webhook intake (contract: rebound-api.md)."""
