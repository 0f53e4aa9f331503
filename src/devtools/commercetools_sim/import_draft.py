"""What `POST /orders/import` accepts: commercetools' OrderImportDraft, and nothing it lacks.

A real project computes a line's `totalPrice`, `taxedPrice` and `discountedPricePerQuantity` and the
order's `discountOnTotalPrice` itself (from a cart); an import cannot set them, and commercetools
refuses a draft that tries with 400 InvalidInput naming the field. The simulator does the same unless
it runs with `--lenient-import` (SimulatorOptions.lenient_import), kept for fixtures written before:
an order with such figures is placed with `/_sim/orders/from-cart`, which computes them.
"""

from __future__ import annotations

from backflow.devtools.commercetools_sim.errors import CtError
from backflow.devtools.commercetools_sim.state import Resource

LINE_FIELDS_NOT_IN_DRAFT = ("id", "totalPrice", "taxedPrice", "discountedPricePerQuantity")
CUSTOM_LINE_FIELDS_NOT_IN_DRAFT = ("id", "totalPrice", "taxedPrice", "discountedPricePerQuantity")
ORDER_FIELDS_NOT_IN_DRAFT = ("discountOnTotalPrice", "discountCodes")


def _refused(field: str, value: object) -> CtError:
    message = f"Request body does not contain valid JSON: unknown field '{field}' in OrderImportDraft."
    return CtError(400, "InvalidInput", message, field=field, invalidValue=value)


def check_import_draft(draft: Resource) -> None:
    """Raises the commercetools-shaped 400 for the first field an OrderImportDraft does not have."""
    for name in ORDER_FIELDS_NOT_IN_DRAFT:
        if name in draft:
            raise _refused(name, draft[name])
    for kind, names in (
        ("lineItems", LINE_FIELDS_NOT_IN_DRAFT),
        ("customLineItems", CUSTOM_LINE_FIELDS_NOT_IN_DRAFT),
    ):
        for index, line in enumerate(draft.get(kind) or []):
            for name in names:
                if isinstance(line, dict) and name in line:
                    raise _refused(f"{kind}[{index}].{name}", line[name])
