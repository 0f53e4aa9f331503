"""commercetools adapter: the `CommercePort` over commercetools' HTTP API (aiohttp)."""

from adapters.commercetools.adapter import CommercetoolsAdapter
from adapters.commercetools.config import CommercetoolsConfig

__all__ = ["CommercetoolsAdapter", "CommercetoolsConfig"]
