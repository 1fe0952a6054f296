"""Errors of the use cases: a rule broken by one field's value, named by the field."""

from __future__ import annotations

from ..errors import UsageError


class FieldError(UsageError):
    """A value refused by a rule; `field` names it in the service's terms ("reviewer", "template").

    The command line shows it under the option that carried the value (cli/review.py maps them);
    the form under its own field.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}{' ' if message.startswith('is ') else ': '}{message}")

    def shown_as(self, name: str) -> UsageError:
        joint = " " if self.message.startswith("is ") else ": "  # "--feedback is required ..."
        return UsageError(f"{name}{joint}{self.message}")
