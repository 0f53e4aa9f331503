"""The Subscription docs/commercetools.md tells a retailer to create names the types Backflow reads."""

from __future__ import annotations

import json
import re
from pathlib import Path

from backflow.app.orders.commerce_events import ORDER_MESSAGE_TYPES

DOC = Path(__file__).resolve().parents[3] / "docs" / "commercetools.md"


def test_the_documented_subscription_names_every_message_type_backflow_reads() -> None:
    blocks = re.findall(r"```json\n(.*?)```", DOC.read_text(), flags=re.S)
    drafts = [json.loads(block) for block in blocks if '"messages"' in block]
    assert len(drafts) == 1, "one Subscription draft in docs/commercetools.md"
    (filter_,) = drafts[0]["messages"]
    assert filter_["resourceTypeId"] == "order"
    assert tuple(filter_["types"]) == ORDER_MESSAGE_TYPES
