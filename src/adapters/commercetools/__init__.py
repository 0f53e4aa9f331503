"""commercetools adapter: the `CommercePort` over commercetools' HTTP API (aiohttp)."""

from backflow.adapters.commercetools.adapter import CommercetoolsAdapter
from backflow.adapters.commercetools.config import CommercetoolsConfig

__all__ = ["CommercetoolsAdapter", "CommercetoolsConfig"]
