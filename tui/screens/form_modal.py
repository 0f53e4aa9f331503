"""The modal for every exception action that needs input or a second thought.

With `money=True` it is the confirmation for anything that moves money: it states the amount and
waits for an explicit confirm (Enter on the last field, ctrl+s, or the button); Escape cancels.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    required: bool = True
    placeholder: str = ""


class FormModal(ModalScreen[dict[str, str] | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "submit", "Confirm"),
    ]

    def __init__(
        self, title: str, prompt: str, fields: list[Field], *, confirm: str = "Confirm", money: bool = False
    ) -> None:
        super().__init__(classes="-money" if money else "")
        self.title_text, self.prompt, self.fields = title, prompt, fields
        self.confirm_label, self.money = confirm, money

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Label(self.title_text, id="form-title")
            if self.money:
                yield Label("⚠ This moves money.", id="form-warning")
            yield Static(self.prompt, id="form-prompt")
            for field in self.fields:
                yield Label(field.label + ("" if field.required else " (optional)"))
                yield Input(placeholder=field.placeholder, id=f"field-{field.name}")
            yield Label("", id="form-error")
            with Horizontal(id="form-buttons"):
                yield Button(self.confirm_label, variant="warning" if self.money else "primary", id="confirm")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        inputs = self.query(Input)
        (inputs.first() if inputs else self.query_one("#confirm", Button)).focus()

    @on(Input.Submitted)
    def _next_or_submit(self, event: Input.Submitted) -> None:
        inputs = list(self.query(Input))
        position = inputs.index(event.input)
        if position + 1 < len(inputs):
            inputs[position + 1].focus()
        else:
            self.action_submit()

    @on(Button.Pressed, "#confirm")
    def action_submit(self) -> None:
        values = {f.name: self.query_one(f"#field-{f.name}", Input).value.strip() for f in self.fields}
        missing = [f.label for f in self.fields if f.required and not values[f.name]]
        if missing:
            self.query_one("#form-error", Label).update(f"Required: {', '.join(missing)}")
            return
        self.dismiss(values)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
