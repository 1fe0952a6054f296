"""Editors: one ipywidgets control (or a group, or a list of rows) per field of the inputs format.

Every editor can `get()` its part of the inputs as plain data (MISSING to leave the key out),
`set()` it from plain data as a file holds it, and show the validator's messages beside itself.
Editors never judge values: the form hands the whole dict to the one validator and routes each
problem to the editor whose field path is the longest prefix of the problem's path.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import ipywidgets as W
from pydantic import TypeAdapter, ValidationError

from ..model import Loc
from . import notation
from .messages import label as field_label
from .notation import MISSING

Choice = tuple[str, Any]
Problems = list[tuple[Loc, str]]
"""Messages for one editor, each with the rest of its field path below the editor."""

LABEL_WIDTH = "10em"


class Context:
    """What editors share: change notification, id bookkeeping and load warnings."""

    def __init__(self) -> None:
        self.on_change: Callable[[], None] = lambda: None
        self.on_ids: Callable[[], None] = lambda: None
        self.on_rename: Callable[[str, str, str], None] = lambda kind, old, new: None
        # A row was removed (its list, where it was, its value): the form offers to undo it.
        self.on_removed: Callable[[RowList, int, Any], None] = lambda rows, index, value: None
        self.warnings: list[tuple[Loc, str]] = []
        self._quiet = 0

    def changed(self) -> None:
        if not self._quiet:
            self.on_change()

    def ids_changed(self) -> None:
        if not self._quiet:
            self.on_ids()

    def renamed(self, kind: str, old: str, new: str) -> None:
        if not self._quiet:
            self.on_rename(kind, old, new)

    @contextmanager
    def quiet(self) -> Iterator[None]:
        """Loading sets hundreds of values; the form refreshes once afterwards, not per value."""
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    def warn(self, loc: Loc, message: str) -> None:
        self.warnings.append((loc, message))


def close_tree(widget: W.Widget) -> None:
    """Close a widget and everything inside it, so removed rows do not linger in the browser."""
    for child in getattr(widget, "children", ()):
        close_tree(child)
    widget.close()


class ErrorSlot:
    """The red text under a field; hidden while there is nothing to say."""

    def __init__(self) -> None:
        self.widget = W.HTML(layout=W.Layout(display="none"))
        self.widget.add_class("tp-error")
        self.messages: list[str] = []

    def show(self, messages: Sequence[str]) -> None:
        messages = list(messages)
        if messages == self.messages:
            return
        self.messages = messages
        self.widget.value = "".join(f"<div>⚠ {html.escape(m)}</div>" for m in messages)
        self.widget.layout.display = None if messages else "none"


class Editor:
    widget: W.Widget

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.error = ErrorSlot()

    def get(self) -> Any:
        raise NotImplementedError

    def set(self, value: Any, loc: Loc = ()) -> None:
        raise NotImplementedError

    def nodes(self, loc: Loc) -> Iterator[tuple[Loc, Editor]]:
        yield loc, self

    def show_errors(self, problems: Problems) -> None:
        self.error.show([_with_subfield(rest, message) for rest, message in problems])


def _with_subfield(rest: Loc, message: str) -> str:
    names = [field_label(p) for p in rest if isinstance(p, str)]
    return f"{' › '.join(names)}: {message}" if names else message


def _layout(width: str | None = None, **kwargs: Any) -> W.Layout:
    return W.Layout(width=width or "auto", **kwargs)


def _style() -> dict[str, str]:
    return {"description_width": LABEL_WIDTH}


class Leaf(Editor):
    """One control plus its error line."""

    def __init__(self, ctx: Context, control: W.ValueWidget, *, css: str | None = None,
                 width: str | None = None) -> None:
        super().__init__(ctx)
        self.control = control
        if css:
            control.add_class(css)
        self.widget = W.VBox([control, self.error.widget], layout=_layout(width))
        self.widget.add_class("tp-field")
        control.observe(self._on_value, "value")

    def _on_value(self, change: dict[str, Any]) -> None:
        self.ctx.changed()


class TextEditor(Leaf):
    """Text, one line or several. Empty text leaves the key out, except for required fields.

    One-line free text (a title, a risk, a task name) is a one-row box that grows as it wraps, so
    a long value is read whole in a narrow column rather than cut at the box's edge; Enter in it
    does nothing (the page's script), as in a one-line box. Short coded values (ids, numbers,
    estimates: WRAPS = False) stay one-line inputs.
    """

    WRAPS = True

    def __init__(self, ctx: Context, description: str = "", *, required: bool = False, lines: int = 0,
                 code: bool = False, placeholder: str = "", css: str | None = None, width: str | None = None,
                 continuous: bool = True, tooltip: str | None = None) -> None:
        kwargs: dict[str, Any] = {"description": description, "placeholder": placeholder,
                                  "continuous_update": continuous, "style": _style(),
                                  "layout": _layout()}
        if tooltip:
            kwargs["tooltip"] = tooltip
        if lines:
            control: W.ValueWidget = W.Textarea(rows=lines, **kwargs)
        elif self.WRAPS:
            control = W.Textarea(rows=1, **kwargs)
            control.add_class("tp-oneline")
        else:
            control = W.Text(**kwargs)
        if code:
            control.add_class("tp-code")
        self.required = required
        super().__init__(ctx, control, css=css, width=width)

    def get(self) -> Any:
        value: str = self.control.value
        if not value.strip():
            return "" if self.required else MISSING
        return value

    def set(self, value: Any, loc: Loc = ()) -> None:
        self.control.value = self._text(value, loc)

    def _text(self, value: Any, loc: Loc) -> str:
        if value is MISSING or value is None:
            return ""
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        self.ctx.warn(loc, f"{value!r} is not text; the field was left empty")
        return ""


class IntTextEditor(TextEditor):
    """A whole number typed as text, so the field can be empty (and then say it is required)."""

    WRAPS = False

    def get(self) -> Any:
        return notation.text_to_int(self.control.value)

    def _text(self, value: Any, loc: Loc) -> str:
        if isinstance(value, bool):
            self.ctx.warn(loc, f"{value!r} is not a number; the field was left empty")
            return ""
        return super()._text(value, loc)


class NumberTextEditor(TextEditor):
    """A number typed as text (empty leaves the key out); what is not a number goes to the validator."""

    WRAPS = False

    def get(self) -> Any:
        text = self.control.value.strip()
        if not text:
            return MISSING
        try:
            return notation.number(text)
        except ValueError:
            return text

    def _text(self, value: Any, loc: Loc) -> str:
        if isinstance(value, bool):
            self.ctx.warn(loc, f"{value!r} is not a number; the field was left empty")
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return super()._text(value, loc)


class EstimateEditor(TextEditor):
    WRAPS = False

    def __init__(self, ctx: Context, description: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("placeholder", "3, 2-4 or 2/3/5")
        kwargs.setdefault("tooltip", "Working days: " + notation.ESTIMATE_HINT)
        super().__init__(ctx, description, **kwargs)

    def get(self) -> Any:
        return notation.text_to_estimate(self.control.value)

    def _text(self, value: Any, loc: Loc) -> str:
        try:
            return notation.estimate_to_text(value)
        except ValueError:
            self.ctx.warn(loc, f"{value!r} is not an estimate the form can show; the field was left empty")
            return ""


class IdEditor(TextEditor):
    """An id others refer to: renaming it renames the references (on Enter or leaving the field)."""

    WRAPS = False

    def __init__(self, ctx: Context, kind: str, description: str = "Id", **kwargs: Any) -> None:
        kwargs.setdefault("continuous", False)
        super().__init__(ctx, description, **kwargs)
        self.kind = kind
        self._last = ""

    def _on_value(self, change: dict[str, Any]) -> None:
        old, new = self._last, change["new"].strip()
        self._last = new
        if old and new and old != new:
            self.ctx.renamed(self.kind, old, new)
        self.ctx.ids_changed()
        super()._on_value(change)

    def set(self, value: Any, loc: Loc = ()) -> None:
        text = self._text(value, loc)
        self._last = text.strip()
        self.control.value = text

    @property
    def ident(self) -> str:
        return str(self.control.value).strip()


class DateEditor(Leaf):
    """A date picker. A date the picker cannot show ("2026-02-30") is kept, and reported, until replaced."""

    def __init__(self, ctx: Context, description: str = "", *, css: str | None = None,
                 width: str | None = None) -> None:
        control = W.DatePicker(description=description, style=_style(), layout=_layout())
        self._raw: Any = MISSING
        super().__init__(ctx, control, css=css, width=width)

    def _on_value(self, change: dict[str, Any]) -> None:
        self._raw = MISSING
        super()._on_value(change)

    def get(self) -> Any:
        if self._raw is not MISSING:
            return self._raw
        value = self.control.value
        return value.isoformat() if isinstance(value, dt.date) else MISSING

    def set(self, value: Any, loc: Loc = ()) -> None:
        if value is MISSING or value is None:
            self.control.value = None
            self._raw = MISSING
            return
        parsed = notation.date_from(value)
        self.control.value = parsed
        self._raw = MISSING if parsed is not None else value


def model_in(annotation: Any) -> Any:
    """The pydantic model inside a type annotation (X, X | None, Annotated[X, ...]), or None."""
    import typing

    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = model_in(arg)
        if found is not None:
            return found
    return None


def normaliser(annotation: Any) -> Callable[[Any], Any]:
    """The model's own reading of a value (aliases like "h" → "High"), or the value unchanged."""
    adapter: TypeAdapter[Any] = TypeAdapter(annotation)

    def normalise(value: Any) -> Any:
        try:
            return adapter.validate_python(value)
        except ValidationError:
            return value

    return normalise


class ChoiceEditor(Leaf):
    """A dropdown. A loaded value outside the choices is kept as an extra choice for the validator to judge."""

    def __init__(self, ctx: Context, description: str, options: Sequence[Choice], *, default: Any = None,
                 normalise: Callable[[Any], Any] | None = None, css: str | None = None,
                 width: str | None = None, omit: Any = MISSING) -> None:
        self.base_options = list(options)
        self.default = default
        self.omit = omit
        self._normalise = normalise or (lambda v: v)
        control = W.Dropdown(description=description, options=self.base_options, value=default,
                             style=_style(), layout=_layout())
        super().__init__(ctx, control, css=css, width=width)

    def get(self) -> Any:
        value = self.control.value
        if value is None or (self.omit is not MISSING and value == self.omit):
            return MISSING
        return value

    def set(self, value: Any, loc: Loc = ()) -> None:
        if value is MISSING or value is None:
            value = self.default
        else:
            value = self._normalise(value)
        self._ensure_option(value)
        self.control.value = value

    def set_options(self, options: Sequence[Choice]) -> None:
        current = self.control.value
        self.base_options = list(options)
        self.control.options = self._with_current(current)
        self.control.value = current

    def _with_current(self, value: Any) -> list[Choice]:
        if value is None or any(v == value and type(v) is type(value) for _, v in self.base_options):
            return list(self.base_options)
        return [*self.base_options, (f"{value} (not valid)", value)]

    def _ensure_option(self, value: Any) -> None:
        wanted = self._with_current(value)
        if list(self.control.options) != wanted:
            self.control.options = wanted


class CheckEditor(Leaf):
    """A tick box; unticked leaves the key out (the model's default is false)."""

    def __init__(self, ctx: Context, description: str, *, css: str | None = None, width: str | None = None,
                 tooltip: str | None = None) -> None:
        control = W.Checkbox(description=description, indent=False, layout=_layout(width or "auto"))
        if tooltip:
            control.tooltip = tooltip
        self._as_bool = normaliser(bool)
        super().__init__(ctx, control, css=css, width=width)

    def get(self) -> Any:
        return True if self.control.value else MISSING

    def set(self, value: Any, loc: Loc = ()) -> None:
        if value is MISSING or value is None:
            self.control.value = False
            return
        read = self._as_bool(value)
        if not isinstance(read, bool):
            self.ctx.warn(loc, f"{value!r} is neither true nor false; the box was left unticked")
            read = False
        self.control.value = read


class TagsEditor(Leaf):
    """Short values as tags (labels, holidays, weekend days)."""

    def __init__(self, ctx: Context, description: str, *, allowed: Sequence[str] = (),
                 placeholder: str = "", css: str | None = None, width: str | None = None,
                 default: Sequence[str] | None = None) -> None:
        control = W.TagsInput(allowed_tags=list(allowed), allow_duplicates=False,
                              placeholder=placeholder or "\u200b", layout=_layout(flex="1 1 auto"))
        self.default = list(default) if default is not None else None
        self.title = W.Label(description, layout=W.Layout(width=LABEL_WIDTH, min_width=LABEL_WIDTH))
        self.title.add_class("tp-label")
        super().__init__(ctx, control, css=css, width=width)
        self.widget.children = (W.HBox([self.title, control], layout=_layout()), self.error.widget)

    def get(self) -> Any:
        values = list(self.control.value)
        if not values and self.default is None:
            return MISSING
        return values

    def set(self, value: Any, loc: Loc = ()) -> None:
        if value is MISSING or value is None:
            value = list(self.default or [])
        if isinstance(value, str):
            value = [value] if value.strip() else []
        if not isinstance(value, list):
            self.ctx.warn(loc, f"{value!r} is not a list; it was left empty")
            value = []
        tags = [str(v) for v in value if str(v).strip()]
        allowed = list(self.control.allowed_tags)
        if allowed and any(t not in allowed for t in tags):
            self.control.allowed_tags = allowed + [t for t in tags if t not in allowed]
        self.control.value = tags


class LinesEditor(Leaf):
    """A list of short texts typed one per line; problems name the line they are on."""

    def __init__(self, ctx: Context, description: str, *, lines: int = 3, placeholder: str = "One per line",
                 css: str | None = None, width: str | None = None) -> None:
        control = W.Textarea(description=description, rows=lines, placeholder=placeholder,
                             style=_style(), layout=_layout())
        super().__init__(ctx, control, css=css, width=width)

    def get(self) -> Any:
        items, _ = notation.lines_to_items(self.control.value)
        return items or MISSING

    def set(self, value: Any, loc: Loc = ()) -> None:
        if value is MISSING or value is None:
            value = []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.ctx.warn(loc, f"{value!r} is not a list; it was left empty")
            value = []
        text, warnings = notation.items_to_lines(value)
        for message in warnings:
            self.ctx.warn(loc, message)
        self.control.value = text
        self.control.rows = max(2, min(12, text.count("\n") + 2))

    def show_errors(self, problems: Problems) -> None:
        _, lines = notation.lines_to_items(self.control.value)
        shown = []
        for rest, message in problems:
            if rest and isinstance(rest[0], int) and rest[0] < len(lines):
                shown.append(f"line {lines[rest[0]]}: {message}")
            else:
                shown.append(_with_subfield(rest, message))
        self.error.show(shown)


class DependsEditor(Editor):
    """When a task (or phase) starts: after the previous one (the default), at once, or after chosen ids."""

    SEQUENTIAL, AT_START, AFTER = "sequential", "start", "after"

    def __init__(self, ctx: Context, *, noun: str, start_label: str, css: str | None = None) -> None:
        super().__init__(ctx)
        self.mode = W.Dropdown(description="Starts", style=_style(), layout=_layout("27em", flex="0 0 27em"),
                               options=[(f"after the previous {noun}", self.SEQUENTIAL),
                                        (start_label, self.AT_START), ("after the chosen ones →", self.AFTER)],
                               value=self.SEQUENTIAL)
        self.tags = W.TagsInput(allowed_tags=[], allow_duplicates=False, placeholder=f"{noun} ids",
                                layout=_layout(flex="1 1 auto", display="none"))
        if css:
            self.mode.add_class(css + "-mode")
            self.tags.add_class(css)
        self.widget = W.VBox([W.HBox([self.mode, self.tags], layout=_layout()), self.error.widget],
                             layout=_layout())
        self.mode.observe(self._on_mode, "value")
        self.tags.observe(lambda change: self.ctx.changed(), "value")

    def _on_mode(self, change: dict[str, Any]) -> None:
        self.tags.layout.display = None if change["new"] == self.AFTER else "none"
        self.ctx.changed()

    def get(self) -> Any:
        if self.mode.value == self.SEQUENTIAL:
            return MISSING
        if self.mode.value == self.AT_START:
            return []
        return list(self.tags.value)

    def set(self, value: Any, loc: Loc = ()) -> None:
        if value is MISSING or value is None:
            self.tags.value = []
            self.mode.value = self.SEQUENTIAL
            return
        if isinstance(value, str):
            value = [value] if value.strip() else []
        if not isinstance(value, list):
            self.ctx.warn(loc, f"{value!r} is not a list of ids; it was left as the default")
            value = []
        ids = [str(v) for v in value if str(v).strip()]
        self.set_choices([*self.tags.allowed_tags, *ids])
        self.tags.value = ids
        self.mode.value = self.AFTER if ids else self.AT_START

    def set_choices(self, ids: Sequence[str]) -> None:
        wanted = list(dict.fromkeys([*ids, *self.tags.value]))
        if wanted != list(self.tags.allowed_tags):
            self.tags.allowed_tags = wanted

    def rename(self, old: str, new: str) -> None:
        if old in self.tags.value and new not in self.tags.value:
            self.set_choices([*self.tags.allowed_tags, new])
            self.tags.value = [new if v == old else v for v in self.tags.value]


class Group(Editor):
    """A mapping of fields. Keys the form has no editor for are kept as they were loaded."""

    def __init__(self, ctx: Context, fields: dict[str, Editor], *, layout: Sequence[W.Widget] | None = None,
                 horizontal: bool = False, css: str | None = None) -> None:
        super().__init__(ctx)
        self.fields = fields
        self.extra: dict[str, Any] = {}
        children = list(layout) if layout is not None else [f.widget for f in fields.values()]
        box = W.HBox if horizontal else W.VBox
        self.body = box(children, layout=_layout("100%"))
        self.widget = W.VBox([self.error.widget, self.body], layout=_layout("100%"))
        if css:
            self.widget.add_class(css)

    def get(self) -> Any:
        out: dict[str, Any] = {}
        for key, editor in self.fields.items():
            value = editor.get()
            if value is not MISSING:
                out[key] = value
        for key, value in self.extra.items():
            out.setdefault(key, value)
        return out or MISSING

    def set(self, value: Any, loc: Loc = ()) -> None:
        if value is MISSING or value is None:
            value = {}
        if not isinstance(value, dict):
            self.ctx.warn(loc, f"expected a group of fields ({', '.join(self.fields)}), got {value!r}; "
                          "the section was left empty")
            value = {}
        for key, editor in self.fields.items():
            editor.set(value.get(key, MISSING), (*loc, key))
        self.extra = {k: v for k, v in value.items() if k not in self.fields}

    def nodes(self, loc: Loc) -> Iterator[tuple[Loc, Editor]]:
        yield loc, self
        for key, editor in self.fields.items():
            yield from editor.nodes((*loc, key))

    def __getitem__(self, key: str) -> Editor:
        return self.fields[key]


class Row:
    """One row of a RowList: its editor and the move/remove buttons beside it."""

    def __init__(self, owner: RowList, editor: Editor) -> None:
        self.editor = editor
        self.up = _small_button("up", "Move up")
        self.down = _small_button("down", "Move down")
        self.remove = _small_button("remove", "Remove")
        self.remove.add_class("tp-remove")
        self.up.on_click(lambda _: owner.move(self, -1))
        self.down.on_click(lambda _: owner.move(self, +1))
        self.remove.on_click(lambda _: owner.remove(self))
        buttons = W.HBox([self.up, self.down, self.remove], layout=W.Layout(flex="0 0 auto"))
        editor.widget.layout.flex = "1 1 auto"
        self.widget = W.HBox([editor.widget, buttons], layout=_layout("100%"))
        self.widget.add_class("tp-row")
        if owner.css:
            self.widget.add_class(owner.css)


def _small_button(icon: str, name: str) -> W.Button:
    """A ↑, ↓ or ✕ button whose text is its name ("Move risk 2 up"), read by screen readers and
    Playwright's get_by_role; the stylesheet hides the text and draws the icon (tp-icon-*)."""
    # In px: the button's own font size is 0 (its words are hidden), so an em would be nothing.
    button = W.Button(description=name, tooltip=name, layout=W.Layout(width="31px", padding="0"))
    button.add_class("tp-rowbtn")
    button.add_class(f"tp-icon-{icon}")
    return button


class RowList(Editor):
    """Rows that can be added, removed and reordered (requirements, endpoints, risks, phases, …)."""

    def __init__(self, ctx: Context, make_editor: Callable[[], Editor], *, add_label: str,
                 new_value: Callable[[], Any] | None = None, title: str = "", css: str | None = None,
                 empty_text: str = "None yet.") -> None:
        super().__init__(ctx)
        self.make_editor = make_editor
        self.new_value = new_value or (lambda: MISSING)
        self.css = css
        # What a row is called in its buttons' names: "+ Add risk" -> "Remove risk 2".
        self.noun = add_label.removeprefix("+").strip().removeprefix("Add ").strip() or "row"
        self.rows: list[Row] = []
        self.box = W.VBox(layout=_layout("100%"))
        self.empty = W.HTML(f"<span class='tp-muted'>{html.escape(empty_text)}</span>")
        self.add_button = W.Button(description=add_label, tooltip=add_label, layout=W.Layout(width="fit-content"))
        self.add_button.add_class("tp-add")
        if css:
            self.add_button.add_class(css + "-add")
        self.add_button.on_click(lambda _: self.add())
        heading = [W.HTML(f"<b>{html.escape(title)}</b>")] if title else []
        self.widget = W.VBox([*heading, self.error.widget, self.box, self.add_button], layout=_layout("100%"))
        self.widget.add_class("tp-list")
        self._redraw()

    def add(self, value: Any = None) -> Editor:
        """Append a row (a fresh one from new_value() unless a value is given)."""
        editor = self.make_editor()
        editor.set(self.new_value() if value is None else value, ())
        self.rows.append(Row(self, editor))
        self._structure_changed()
        return editor

    def remove(self, row: Row) -> None:
        index = self.rows.index(row)
        value = row.editor.get()
        self.rows.remove(row)
        self._structure_changed()
        close_tree(row.widget)
        if not self.ctx._quiet:
            self.ctx.on_removed(self, index, {} if value is MISSING else value)

    def insert(self, index: int, value: Any) -> Editor:
        """Put a row back at `index` (Undo of a removal)."""
        editor = self.make_editor()
        editor.set(value, ())
        self.rows.insert(max(0, min(index, len(self.rows))), Row(self, editor))
        self._structure_changed()
        return editor

    def move(self, row: Row, delta: int) -> None:
        index = self.rows.index(row)
        target = index + delta
        if 0 <= target < len(self.rows):
            self.rows.insert(target, self.rows.pop(index))
            self._structure_changed()

    @property
    def editors(self) -> list[Editor]:
        return [row.editor for row in self.rows]

    def _structure_changed(self) -> None:
        self._redraw()
        self.ctx.ids_changed()
        self.ctx.changed()

    def _redraw(self) -> None:
        last = len(self.rows) - 1
        for index, row in enumerate(self.rows):
            row.up.disabled = index == 0
            row.down.disabled = index == last
            for button, name in ((row.up, f"Move {self.noun} {index + 1} up"),
                                 (row.down, f"Move {self.noun} {index + 1} down"),
                                 (row.remove, f"Remove {self.noun} {index + 1}")):
                if button.description != name:
                    button.description = button.tooltip = name
        self.box.children = [row.widget for row in self.rows] if self.rows else [self.empty]

    def get(self) -> Any:
        values = [row.editor.get() for row in self.rows]
        return [{} if v is MISSING else v for v in values] or MISSING

    def set(self, value: Any, loc: Loc = ()) -> None:
        if value is MISSING or value is None:
            value = []
        if not isinstance(value, list):
            self.ctx.warn(loc, f"expected a list, got {value!r}; it was left empty")
            value = []
        # Rows already on the page are refilled in place, not rebuilt: a load then sends only the
        # values that changed, not thousands of widget messages at once (see channel.py for what
        # a burst did to the browser before the kernel kept them all).
        kept, surplus = self.rows[:len(value)], self.rows[len(value):]
        for index, item in enumerate(value):
            if index < len(kept):
                kept[index].editor.set(item, (*loc, index))
            else:
                editor = self.make_editor()
                editor.set(item, (*loc, index))
                kept.append(Row(self, editor))
        self.rows = kept
        self._redraw()
        for row in surplus:
            close_tree(row.widget)

    def nodes(self, loc: Loc) -> Iterator[tuple[Loc, Editor]]:
        yield loc, self
        for index, row in enumerate(self.rows):
            yield from row.editor.nodes((*loc, index))


class ChecklistItemEditor(Group):
    """A checklist row: done box and text. Saved as plain text unless it is done."""

    def __init__(self, ctx: Context, placeholder: str = "", css: str | None = None) -> None:
        done = CheckEditor(ctx, "", width="2.2em", tooltip="Done")
        text = TextEditor(ctx, "", required=True, placeholder=placeholder)
        super().__init__(ctx, {"done": done, "text": text}, horizontal=True, css=css)
        text.widget.layout.flex = "1 1 auto"

    def get(self) -> Any:
        text = self.fields["text"].get()
        if self.fields["done"].get() is True or self.extra:
            return {"text": text, **({"done": True} if self.fields["done"].get() is True else {}), **self.extra}
        return text

    def set(self, value: Any, loc: Loc = ()) -> None:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            value = {"text": str(value)}
        super().set(value, loc)


def checklist(ctx: Context, *, add_label: str, placeholder: str = "", css: str | None = None,
              title: str = "") -> RowList:
    return RowList(ctx, lambda: ChecklistItemEditor(ctx, placeholder, css=css and css + "-item"),
                   add_label=add_label, new_value=lambda: "", css=css, title=title)


def choices(values: Sequence[str]) -> list[Choice]:
    return [(v, v) for v in values]


def heading(text: str, level: int = 4) -> W.HTML:
    return W.HTML(f"<h{level} class='tp-heading'>{html.escape(text)}</h{level}>")


def row_of(*editors: Editor, widths: Sequence[str | None] = ()) -> W.HBox:
    """Editors side by side; widths (None → share the rest) keep short fields short."""
    for index, editor in enumerate(editors):
        width = widths[index] if index < len(widths) else None
        editor.widget.layout.flex = f"0 0 {width}" if width else "1 1 0"
        editor.widget.layout.width = width or "auto"
        if not width:
            # A shared field keeps room for its label and a few words; below that the row wraps.
            editor.widget.layout.min_width = "min(100%, 15em)"
        control = getattr(editor, "control", None)
        if index and control is not None and getattr(control, "description", None):
            # Only the first label lines up with the column of labels; the others fit their text,
            # and so their messages start under their own label, not a label column's width in.
            control.style.description_width = "initial"
            editor.widget.add_class("tp-beside")
    row = W.HBox([e.widget for e in editors], layout=_layout("100%"))
    row.add_class("tp-row-of")  # wraps onto a second line rather than squeezing a field's text
    return row
