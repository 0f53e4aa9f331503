"""Which actions an exception offers, and what each one asks of the operator before it runs.

The daemon's `actions` list is the authority: a button is shown only for what it names. A refund
mismatch's `decide` is split into its decisions, with `approve_rebound` hidden when the evidence
says the difference is beyond what a person may approve.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backflow.app.entrypoints.http.views import ExceptionView
from backflow.tui.format import short
from backflow.tui.screens.form_modal import Field

DECISIONS = ("approve_backflow", "approve_rebound", "reject")
ORDER = ("ack", "retry", *DECISIONS, "reanchor", "resolve")


@dataclass(frozen=True)
class ActionSpec:
    name: str
    label: str
    key: str


SPECS = {
    "ack": ActionSpec("ack", "Acknowledge", "a"),
    "retry": ActionSpec("retry", "Retry", "y"),
    "approve_backflow": ActionSpec("approve_backflow", "Approve Backflow's amount", "b"),
    "approve_rebound": ActionSpec("approve_rebound", "Approve ReBound's amount", "w"),
    "reject": ActionSpec("reject", "Reject refund", "x"),
    "reanchor": ActionSpec("reanchor", "Re-anchor", "o"),
    "resolve": ActionSpec("resolve", "Resolve", "v"),
}


def decision_options(item: ExceptionView) -> dict[str, dict[str, Any]]:
    evidence = item.evidence if isinstance(item.evidence, dict) else {}
    decision = evidence.get("decision")
    options = decision.get("options", []) if isinstance(decision, dict) else []
    return {o["action"]: o for o in options if isinstance(o, dict) and isinstance(o.get("action"), str)}


def allowed(item: ExceptionView) -> list[str]:
    named: set[str] = set(item.actions)
    if "decide" in named:
        options = decision_options(item)
        for decision in DECISIONS:
            option = options.get(decision, {})
            if not options or (decision in options and option.get("allowed", True) is not False):
                named.add(decision)
    return [name for name in ORDER if name in named]


def moves_money(item: ExceptionView, action: str) -> bool:
    if action in ("approve_backflow", "approve_rebound"):
        return True
    if action == "retry":
        evidence = item.evidence if isinstance(item.evidence, dict) else {}
        retry: dict[str, Any] = evidence["retry"] if isinstance(evidence.get("retry"), dict) else {}
        return "refund" in str(retry.get("kind", "")).lower() or "refund" in item.type
    return False


@dataclass(frozen=True)
class Prompt:
    title: str
    text: str
    fields: list[Field]
    confirm: str
    money: bool


NOTE = Field("note", "Note (what was decided and why)")
OPTIONAL_NOTE = Field("note", "Note", required=False)


def prompt_for(item: ExceptionView, action: str) -> Prompt | None:
    """The modal an action needs, or None when it runs straight away (acknowledge)."""
    subject = f"#{item.id} {item.type} (return {item.return_id or '—'}, order {item.order_ref or '—'})"
    money = moves_money(item, action)
    label = SPECS[action].label
    if action == "ack":
        return None
    if action == "retry":
        text = f"Queue the failed step of {subject} again."
        if money:
            text += " The refund will be attempted again with the same idempotency key."
        return Prompt(f"Retry {subject}", text, [OPTIONAL_NOTE], "Retry", money)
    if action in DECISIONS:
        option = decision_options(item).get(action, {})
        amount = f"{option.get('amount')} {option.get('currency', '')}".strip() if "amount" in option else ""
        what = {
            "approve_backflow": f"Refund Backflow's recomputed amount {amount}",
            "approve_rebound": f"Refund ReBound's proposed amount {amount}",
            "reject": "Refuse this refund: no money moves",
        }[action]
        return Prompt(f"{label}: {subject}", f"{what}.", [NOTE], label, money)
    if action == "reanchor":
        fields = [Field("order_number", "Order number", placeholder="e.g. CT-1001"), NOTE]
        return Prompt(
            f"Re-anchor {subject}", "Anchor this return to another order.", fields, "Re-anchor", False
        )
    if action == "resolve":
        note = item.note and f" Last note: {short(item.note, 60)}"
        return Prompt(f"Resolve {subject}", f"Close the exception.{note or ''}", [NOTE], "Resolve", False)
    raise ValueError(f"unknown action {action!r}")
