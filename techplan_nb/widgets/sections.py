"""The plan's sections as editors, laid out as the form's tabs in the template's order."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Annotated, Any

import ipywidgets as W

from ..errors import InputError
from ..model import (
    DEFAULT_APPROVALS,
    HTTP_METHODS,
    LEVELS,
    REVIEW_STATUSES,
    STATUSES,
    WEEKDAYS,
    Loc,
    PlanInput,
    RiskValue,
)
from .editors import (
    CheckEditor,
    ChoiceEditor,
    Context,
    DateEditor,
    DependsEditor,
    Editor,
    EstimateEditor,
    Group,
    IdEditor,
    IntTextEditor,
    LinesEditor,
    NumberTextEditor,
    RowList,
    TagsEditor,
    TextEditor,
    checklist,
    choices,
    heading,
    normaliser,
    row_of,
)
from .notation import MISSING


def next_id(prefix: str, taken: Sequence[str]) -> str:
    """The first of prefix1, prefix2, … not taken (ids must be unique)."""
    used = set(taken)
    number = 1
    while f"{prefix}{number}" in used:
        number += 1
    return f"{prefix}{number}"


# --- rows ---------------------------------------------------------------------------------------


class EndpointEditor(Group):
    def __init__(self, ctx: Context) -> None:
        fields: dict[str, Editor] = {
            "method": ChoiceEditor(ctx, "Method", choices(HTTP_METHODS), default="GET",
                                   normalise=lambda v: v.strip().upper() if isinstance(v, str) else v),
            "path": TextEditor(ctx, "Path", required=True, placeholder="/api/things/{id}", css="tp-endpoint-path"),
            "description": TextEditor(ctx, "Description"),
            "request": TextEditor(ctx, "Request", placeholder="- or {field: type}"),
            "response": TextEditor(ctx, "Response", placeholder="204 or {field: type}"),
        }
        f = fields
        super().__init__(ctx, fields, layout=[
            row_of(f["method"], f["path"], widths=["19em"]),
            f["description"].widget,
            row_of(f["request"], f["response"]),
        ], css="tp-card")


def level_choices(scale: int) -> list[tuple[str, Any]]:
    levels = [(level, level) for level in reversed(LEVELS)]  # High first, as people read a risk table
    if scale == 5:
        return [*[(f"{n}", n) for n in range(5, 0, -1)], *levels]
    return levels


class RiskEditor(Group):
    def __init__(self, ctx: Context, scale: int) -> None:
        read_level = normaliser(RiskValue)
        fields: dict[str, Editor] = {
            "id": TextEditor(ctx, "Id", placeholder="R1", css="tp-risk-id"),
            "risk": TextEditor(ctx, "Risk", required=True, placeholder="What could go wrong", css="tp-risk-text"),
            "probability": ChoiceEditor(ctx, "Probability", level_choices(scale), default="Medium",
                                        normalise=read_level, css="tp-risk-probability"),
            "impact": ChoiceEditor(ctx, "Impact", level_choices(scale), default="Medium", normalise=read_level,
                                   css="tp-risk-impact"),
            "mitigation": TextEditor(ctx, "Mitigation", placeholder="What we do about it", css="tp-risk-mitigation"),
            "owner": TextEditor(ctx, "Owner", placeholder="Who watches it"),
            "status": ChoiceEditor(ctx, "Status", choices(("open", "closed")), default="open", omit="open"),
        }
        f = fields
        super().__init__(ctx, fields, layout=[
            row_of(f["id"], f["probability"], f["impact"], f["status"], widths=["14em", None, None, "15em"]),
            f["risk"].widget, f["mitigation"].widget, f["owner"].widget,
        ], css="tp-card")

    def set_scale(self, scale: int) -> None:
        for key in ("probability", "impact"):
            editor = self.fields[key]
            assert isinstance(editor, ChoiceEditor)
            editor.set_options(level_choices(scale))


class TaskEditor(Group):
    def __init__(self, ctx: Context) -> None:
        self.ident = IdEditor(ctx, "task", "", placeholder="id", css="tp-task-id",
                              tooltip="Task id (letters, digits, - _ .); other tasks refer to it")
        self.depends = DependsEditor(ctx, noun="task", start_label="when its phase starts", css="tp-task-depends")
        fields: dict[str, Editor] = {
            "id": self.ident,
            "name": TextEditor(ctx, "", required=True, placeholder="What is done", css="tp-task-name"),
            "estimate": EstimateEditor(ctx, "", css="tp-task-estimate"),
            "depends_on": self.depends,
            "done": CheckEditor(ctx, "", tooltip="Done"),
        }
        f = fields
        super().__init__(ctx, fields, layout=[
            # The name takes what is left: on a laptop screen it is the field that needs the room.
            row_of(f["done"], f["id"], f["name"], f["estimate"], widths=["2.2em", "8em", None, "6.5em"]),
            f["depends_on"].widget,
        ], css="tp-task")


class PhaseEditor(Group):
    def __init__(self, ctx: Context, timeline: TimelineEditor) -> None:
        self.ident = IdEditor(ctx, "phase", "Id", placeholder="phase id", css="tp-phase-id")
        self.depends = DependsEditor(ctx, noun="phase", start_label="when the timeline starts",
                                     css="tp-phase-depends")
        self.tasks = RowList(ctx, lambda: TaskEditor(ctx), add_label="+ Add task", css="tp-tasks",
                             new_value=lambda: {"id": next_id("task-", timeline.task_ids()), "name": "",
                                                "estimate": 1},
                             title="Tasks (estimates in working days)", empty_text="No tasks yet.")
        fields: dict[str, Editor] = {
            "id": self.ident,
            "name": TextEditor(ctx, "Name", required=True, placeholder="Foundation", css="tp-phase-name"),
            "depends_on": self.depends,
            "estimate": EstimateEditor(ctx, "Phase estimate", tooltip="Only for a phase without tasks: "
                                       + "working days, 3, 2-4 or 2/3/5"),
            "tasks": self.tasks,
            "items": checklist(ctx, add_label="+ Add checklist item", title="Other checklist items"),
        }
        f = fields
        super().__init__(ctx, fields, layout=[
            row_of(f["id"], f["name"], widths=["22em"]), f["depends_on"].widget, f["estimate"].widget,
            f["tasks"].widget, f["items"].widget,
        ], css="tp-card")

    @property
    def task_editors(self) -> list[TaskEditor]:
        return [e for e in self.tasks.editors if isinstance(e, TaskEditor)]


class TimelineEditor(Group):
    def __init__(self, ctx: Context) -> None:
        self.phases = RowList(ctx, lambda: PhaseEditor(ctx, self), add_label="+ Add phase", css="tp-phases",
                              new_value=lambda: {"id": next_id("phase-", self.phase_ids()), "name": "",
                                                 "tasks": [{"id": next_id("task-", self.task_ids()),
                                                            "name": "", "estimate": 1}]},
                              empty_text="No phases yet.")
        calendar = Group(ctx, {
            "weekends": TagsEditor(ctx, "Weekend days", allowed=WEEKDAYS, default=["Sat", "Sun"]),
            "holidays": TagsEditor(ctx, "Holidays", placeholder="YYYY-MM-DD, Enter"),
            "country": TextEditor(ctx, "Country holidays", placeholder="e.g. US or GB-ENG (optional)"),
        })
        fields: dict[str, Editor] = {"start": DateEditor(ctx, "Start date", css="tp-timeline-start"),
                                     "calendar": calendar}
        layout: list[W.Widget] = [fields["start"].widget, calendar.widget]
        # Simulation settings exist in newer inputs formats only: offered when the model has them.
        timeline_fields = _model_fields(PlanInput, "timeline")
        if "simulations" in timeline_fields:
            fields["simulations"] = IntTextEditor(ctx, "Monte Carlo runs", placeholder="10000 (100 to 100000)")
            layout.append(fields["simulations"].widget)
        if "contingency" in timeline_fields:
            contingency_fields = _model_fields(timeline_fields["contingency"].annotation, None)
            boxes: dict[str, Editor] = {
                name: NumberTextEditor(ctx, label, placeholder=placeholder) for name, label, placeholder in (
                ("high_risk_percent", "High-risk buffer %", "15"), ("max_percent", "Buffer cap %", "50"))
                if name in contingency_fields}
            fields["contingency"] = Group(ctx, boxes, layout=[row_of(*boxes.values())] if boxes else [])
            layout.append(fields["contingency"].widget)
        fields["phases"] = self.phases
        layout.append(self.phases.widget)
        super().__init__(ctx, fields, layout=layout)

    @property
    def phase_editors(self) -> list[PhaseEditor]:
        return [e for e in self.phases.editors if isinstance(e, PhaseEditor)]

    def phase_ids(self) -> list[str]:
        return [p.ident.ident for p in self.phase_editors if p.ident.ident]

    def task_ids(self) -> list[str]:
        return [t.ident.ident for p in self.phase_editors for t in p.task_editors if t.ident.ident]

    def refresh_choices(self) -> None:
        """Dependencies are picked from the ids that exist now (each row's own id left out)."""
        phase_ids = self.phase_ids()
        task_ids = self.task_ids()
        for phase in self.phase_editors:
            phase.depends.set_choices([i for i in phase_ids if i != phase.ident.ident])
            # A phase is estimated by its tasks; its own estimate box only matters without tasks.
            estimate = phase.fields["estimate"]
            shown = not phase.task_editors or estimate.get() is not MISSING
            estimate.widget.layout.display = None if shown else "none"
            for task in phase.task_editors:
                task.depends.set_choices([i for i in task_ids if i != task.ident.ident])

    def rename(self, kind: str, old: str, new: str) -> None:
        if kind == "phase" and self.phase_ids().count(old) == 0:
            for phase in self.phase_editors:
                phase.depends.rename(old, new)
        elif kind == "task" and self.task_ids().count(old) == 0:
            for phase in self.phase_editors:
                for task in phase.task_editors:
                    task.depends.rename(old, new)


class QuestionEditor(Group):
    def __init__(self, ctx: Context) -> None:
        fields: dict[str, Editor] = {
            "answered": CheckEditor(ctx, "", tooltip="Answered"),
            "text": TextEditor(ctx, "", required=True, placeholder="Question for stakeholders"),
            "answer": TextEditor(ctx, "Answer", placeholder="(once answered)"),
        }
        f = fields
        super().__init__(ctx, fields, layout=[row_of(f["answered"], f["text"], widths=["2.2em"]),
                                              f["answer"].widget], css="tp-card")

    def get(self) -> Any:
        value = super().get()
        if isinstance(value, dict) and set(value) == {"text"}:
            return value["text"]
        return value

    def set(self, value: Any, loc: Loc = ()) -> None:
        super().set({"text": value} if isinstance(value, str) else value, loc)


class ReviewEditor(Group):
    def __init__(self, ctx: Context) -> None:
        fields: dict[str, Editor] = {
            "round": IntTextEditor(ctx, "Round", placeholder="1"),
            "date": DateEditor(ctx, "Date"),
            "reviewer": TextEditor(ctx, "Reviewer", required=True, placeholder="Engineering Manager"),
            "status": ChoiceEditor(ctx, "Status", choices(REVIEW_STATUSES), default="Changes Requested"),
            "feedback": LinesEditor(ctx, "Feedback"),
            "resolution": LinesEditor(ctx, "Resolution"),
        }
        f = fields
        super().__init__(ctx, fields, layout=[
            row_of(f["round"], f["date"], widths=["16em"]), row_of(f["reviewer"], f["status"]),
            f["feedback"].widget, f["resolution"].widget,
        ], css="tp-card")


class ApprovalEditor(Group):
    def __init__(self, ctx: Context) -> None:
        fields: dict[str, Editor] = {
            "approved": CheckEditor(ctx, "", tooltip="Approved"),
            "role": TextEditor(ctx, "", required=True, placeholder="Role"),
            "by": TextEditor(ctx, "By", placeholder="name"),
            "date": DateEditor(ctx, "Date"),
        }
        f = fields
        super().__init__(ctx, fields, layout=[row_of(f["approved"], f["role"], widths=["2.2em"]),
                                              row_of(f["by"], f["date"])], css="tp-card")


class OtherFieldsEditor(Editor):
    """Inputs the form has no dedicated editor for (fields added to the format later), as YAML."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.control = W.Textarea(rows=3, placeholder="key: value", layout=W.Layout(width="100%"))
        self.control.add_class("tp-code")
        self.problem: str | None = None
        self.widget = W.VBox([heading("Other fields (YAML)"), W.HTML(
            "<span class='tp-muted'>Fields of the inputs format this form has no box for are kept here, "
            "exactly as loaded.</span>"), self.control, self.error.widget], layout=W.Layout(width="100%"))
        self.control.observe(lambda change: self.ctx.changed(), "value")

    def get(self) -> Any:
        from ..inputs import parse_yaml

        self.problem = None
        if not self.control.value.strip():
            return MISSING
        try:
            data = parse_yaml(self.control.value, "other fields").data
        except InputError as exc:
            self.problem = "; ".join(f"line {i.line}: {i.message}" if i.line else i.message for i in exc.issues)
            return MISSING
        if not isinstance(data, dict):
            self.problem = "write fields as `key: value` lines"
            return MISSING
        return data

    def set(self, value: Any, loc: Loc = ()) -> None:
        if not value:
            self.control.value = ""
            return
        from .files import dump_yaml

        self.control.value = dump_yaml(value, header=False)

    def own_problems(self) -> list[str]:
        return [f"not valid YAML: {self.problem}"] if self.problem else []


# --- the whole plan ------------------------------------------------------------------------------


TABS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Issue", ("issue", "created_by", "created", "last_updated", "status", "status_note", "status_since", "stack")),
    ("Requirements", ("requirements",)),
    ("Architecture", ("architecture", "approach")),
    ("Database & API", ("database", "api")),
    ("Quality", ("security", "performance", "testing")),
    ("Risks", ("risk_scale", "risks")),
    ("Timeline", ("timeline",)),
    ("Operations", ("dependencies", "monitoring", "rollback", "future")),
    ("Questions", ("questions", "assumptions")),
    ("Reviews", ("reviews", "approvals")),
)
TAB_TITLES = tuple(title for title, _ in TABS)
OTHER_TAB = len(TABS) - 1
TAB_OF_KEY = {key: index for index, (_, keys) in enumerate(TABS) for key in keys}
"""Which tab shows each top-level key; keys of no tab go to "Other fields" on the last one."""


def preview_heading(index: int) -> str | None:
    """The plan heading where tab `index`'s sections begin (None: the top of the plan), for the
    preview to scroll to. Read from the section catalogue: the outermost section whose fields all
    belong to this tab, first in the template's order."""
    from ..plan_format import sections as catalogue

    if index <= 0 or index >= len(TABS):
        return None
    keys = set(TABS[index][1])

    def under(spec: catalogue.SectionSpec, key: str) -> bool:
        while True:
            if spec.key == key:
                return True
            if spec.parent is None:
                return False
            spec = catalogue.by_key(spec.parent)

    def tab_of(key: str) -> set[str]:
        return {str(s.field).split(".")[0] for s in catalogue.SECTIONS if s.field and under(s, key)}

    for spec in catalogue.SECTIONS:
        if spec.field is None or spec.field.split(".")[0] not in keys:
            continue
        while spec.parent is not None and tab_of(spec.parent) <= keys:
            spec = catalogue.by_key(spec.parent)
        return spec.title
    return None


class PlanEditor(Editor):
    """Every section of the inputs format, one tab per group of sections.

    A tab's widgets are made the first time it is needed (shown, or asked for): the shared
    example needs about a thousand widgets, and a browser takes seconds to create them all.
    Until then the tab's part of the inputs is kept exactly as loaded, so nothing changes
    meaning by not being looked at.
    """

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.editors: dict[str, Editor] = {}
        self.pending: dict[str, Any] = {}
        self.extra: dict[str, Any] = {}
        self.built: set[int] = set()
        self.pages = [W.VBox(layout=W.Layout(width="100%", padding="4px 8px 12px 4px")) for _ in TABS]
        for page in self.pages:
            page.add_class("tp-page")
        self.other = OtherFieldsEditor(ctx)
        self.widget = W.VBox([self.error.widget])

    # --- building tabs ---------------------------------------------------------------------------

    def ensure_tab(self, index: int) -> bool:
        """Make tab `index`'s widgets (once), filled from the pending inputs; True when it was new."""
        if index in self.built:
            return False
        self.built.add(index)
        builder = getattr(self, f"_tab_{index}")
        with self.ctx.quiet():
            editors, children = builder(self.ctx)
            for key, editor in editors.items():
                editor.set(self.pending.pop(key, MISSING), (key,))
                self.editors[key] = editor
            if index == OTHER_TAB:
                self.other.set(self.extra)
                children.append(self.other.widget)
        self.pages[index].children = [self.error.widget] if index == 0 else []
        self.pages[index].children = [*self.pages[index].children,
                                      *[c.widget if isinstance(c, Editor) else c for c in children]]
        if index == TAB_OF_KEY["timeline"]:
            self.timeline.refresh_choices()
        return True

    def ensure_all(self) -> None:
        for index in range(len(TABS)):
            self.ensure_tab(index)

    def editor(self, key: str) -> Editor:
        self.ensure_tab(TAB_OF_KEY[key])
        return self.editors[key]

    @property
    def timeline(self) -> TimelineEditor:
        editor = self.editor("timeline")
        assert isinstance(editor, TimelineEditor)
        return editor

    @property
    def risks(self) -> RowList:
        editor = self.editor("risks")
        assert isinstance(editor, RowList)
        return editor

    @property
    def approvals(self) -> RowList:
        editor = self.editor("approvals")
        assert isinstance(editor, RowList)
        return editor

    def refresh_choices(self) -> None:
        if TAB_OF_KEY["timeline"] in self.built:
            self.timeline.refresh_choices()

    def rename(self, kind: str, old: str, new: str) -> None:
        if TAB_OF_KEY["timeline"] in self.built:
            self.timeline.rename(kind, old, new)

    # --- the tabs ----------------------------------------------------------------------------------

    def _tab_0(self, ctx: Context) -> tuple[dict[str, Editor], list[Any]]:
        issue = Group(ctx, {
            "number": IntTextEditor(ctx, "Issue number", placeholder="57", css="tp-issue-number"),
            "title": TextEditor(ctx, "Title", required=True, placeholder="One line: what changes",
                                css="tp-issue-title"),
            "url": TextEditor(ctx, "GitHub link", placeholder="https://github.com/OWNER/REPO/issues/57"),
            "summary": TextEditor(ctx, "Summary", lines=4, placeholder="The issue and its requirements, briefly",
                                  css="tp-issue-summary"),
            "labels": TagsEditor(ctx, "Labels", placeholder="label, Enter"),
        })
        e: dict[str, Editor] = {
            "issue": issue,
            "created_by": TextEditor(ctx, "Created by", placeholder="System Architect"),
            "created": DateEditor(ctx, "Created"),
            "last_updated": DateEditor(ctx, "Last updated"),
            "status": ChoiceEditor(ctx, "Status", choices(STATUSES), default="Draft",
                                   normalise=normaliser(_field_type(PlanInput, "status")), css="tp-status"),
            "status_note": TextEditor(ctx, "Status note", placeholder="e.g. pending security sign-off"),
            "status_since": DateEditor(ctx, "Status since"),
            "stack": Group(ctx, {"frontend": TextEditor(ctx, "Frontend stack", placeholder="Next.js"),
                                 "backend": TextEditor(ctx, "Backend stack", placeholder="Django")}),
        }
        # The number's box is wide enough for its message ("is required; fill it in") on one line.
        return e, [issue.error.widget, row_of(issue["number"], e["status"], widths=["26em"]), issue["title"],
                   issue["url"], issue["summary"], issue["labels"], e["status_note"],
                   row_of(e["created_by"], e["created"]), row_of(e["last_updated"], e["status_since"]),
                   heading("Stack (names the Technical Approach headings)"), e["stack"]]

    def _tab_1(self, ctx: Context) -> tuple[dict[str, Editor], list[Any]]:
        e: dict[str, Editor] = {"requirements": Group(ctx, {
            "functional": checklist(ctx, add_label="+ Add functional requirement", css="tp-functional",
                                    placeholder="What the feature must do", title="Functional requirements"),
            "non_functional": checklist(ctx, add_label="+ Add non-functional requirement",
                                        placeholder="Performance: … / Security: …",
                                        title="Non-functional requirements"),
            "out_of_scope": LinesEditor(ctx, "Out of scope"),
        })}
        return e, [e["requirements"]]

    def _tab_2(self, ctx: Context) -> tuple[dict[str, Editor], list[Any]]:
        def text(label: str, lines: int = 0) -> TextEditor:
            return TextEditor(ctx, label, lines=lines)

        frontend = Group(ctx, {k: text(lbl, 2 if k in ("components", "pages") else 0) for k, lbl in (
            ("components", "Components"), ("pages", "Pages"), ("state_management", "State management"),
            ("api_integration", "API integration"), ("styling", "Styling"), ("routing", "Routing"))})
        backend = Group(ctx, {k: text(lbl, 2 if k in ("models", "apis") else 0) for k, lbl in (
            ("models", "Models"), ("apis", "APIs"), ("authentication", "Authentication"),
            ("business_logic", "Business logic"), ("data_migration", "Data migration"))})
        approach = Group(ctx, {"frontend": frontend, "backend": backend}, layout=[])
        e: dict[str, Editor] = {
            "architecture": Group(ctx, {
                "context": LinesEditor(ctx, "System context"),
                "components": TextEditor(ctx, "Components", lines=6, code=True,
                                         placeholder="[Frontend] Page --> [Backend] View"),
            }),
            "approach": approach,
        }
        return e, [heading("Architecture overview"), e["architecture"], approach.error.widget,
                   heading("Frontend approach"), frontend, heading("Backend approach"), backend]

    def _tab_3(self, ctx: Context) -> tuple[dict[str, Editor], list[Any]]:
        e: dict[str, Editor] = {
            "database": Group(ctx, {
                "new_tables": TextEditor(ctx, "New tables", lines=8, code=True, placeholder="CREATE TABLE …"),
                "modified_tables": TextEditor(ctx, "Modified tables", lines=4, code=True,
                                              placeholder="ALTER TABLE …"),
                "migration_strategy": LinesEditor(ctx, "Migration strategy"),
            }),
            "api": Group(ctx, {
                "new_endpoints": RowList(ctx, lambda: EndpointEditor(ctx), add_label="+ Add endpoint",
                                         css="tp-endpoints", new_value=lambda: {"method": "GET", "path": ""},
                                         title="New endpoints", empty_text="No new endpoints."),
                "modified_endpoints": LinesEditor(ctx, "Modified endpoints"),
            }),
        }
        return e, [heading("Database design (SQL, kept exactly as typed)"), e["database"], heading("API design"),
                   e["api"]]

    def _tab_4(self, ctx: Context) -> tuple[dict[str, Editor], list[Any]]:
        def texts(pairs: tuple[tuple[str, str], ...]) -> Group:
            return Group(ctx, {k: TextEditor(ctx, lbl, lines=2) for k, lbl in pairs})

        e: dict[str, Editor] = {
            "security": texts((("authentication", "Authentication"), ("authorization", "Authorization"),
                               ("data_protection", "Data protection"), ("input_validation", "Input validation"),
                               ("output_sanitization", "Output sanitization"))),
            "performance": texts((("database", "Database"), ("api", "API"), ("frontend", "Frontend"),
                                  ("caching", "Caching"))),
            "testing": Group(ctx, {"unit": LinesEditor(ctx, "Unit tests"),
                                   "integration": LinesEditor(ctx, "Integration tests"),
                                   "e2e": LinesEditor(ctx, "End-to-end tests")}),
        }
        return e, [heading("Security"), e["security"], heading("Performance"), e["performance"],
                   heading("Testing strategy"), e["testing"]]

    def _tab_5(self, ctx: Context) -> tuple[dict[str, Editor], list[Any]]:
        scale = ChoiceEditor(ctx, "Risk scale", [("High / Medium / Low", 3), ("1 to 5", 5)], default=3, omit=3)
        risks = RowList(ctx, lambda: RiskEditor(ctx, scale.control.value), add_label="+ Add risk", css="tp-risks",
                        new_value=lambda: {"id": next_id("R", _ids(risks.get(), "id")), "risk": ""},
                        empty_text="No risks yet.")

        def rescale(change: dict[str, Any]) -> None:
            for editor in risks.editors:
                if isinstance(editor, RiskEditor):
                    editor.set_scale(change["new"])

        scale.control.observe(rescale, "value")
        e: dict[str, Editor] = {"risk_scale": scale, "risks": risks}
        return e, [W.HTML("<span class='tp-muted'>Probability and impact: High, Medium or Low (or 1-5 on the "
                          "five-level scale).</span>"), scale, risks]

    def _tab_6(self, ctx: Context) -> tuple[dict[str, Editor], list[Any]]:
        timeline = TimelineEditor(ctx)
        return {"timeline": timeline}, [timeline]

    def _tab_7(self, ctx: Context) -> tuple[dict[str, Editor], list[Any]]:
        e: dict[str, Editor] = {
            "dependencies": Group(ctx, {"internal": LinesEditor(ctx, "Internal"),
                                        "external": LinesEditor(ctx, "External")}),
            "monitoring": Group(ctx, {k: TextEditor(ctx, lbl, lines=2) for k, lbl in (
                ("metrics", "Metrics"), ("logging", "Logging"), ("alerts", "Alerts"),
                ("dashboards", "Dashboards"))}),
            "rollback": LinesEditor(ctx, "Rollback steps"),
            "future": LinesEditor(ctx, "Future work"),
        }
        return e, [heading("Dependencies"), e["dependencies"], heading("Monitoring & observability"),
                   e["monitoring"], heading("Rollback strategy"), e["rollback"],
                   heading("Future considerations"), e["future"]]

    def _tab_8(self, ctx: Context) -> tuple[dict[str, Editor], list[Any]]:
        e: dict[str, Editor] = {
            "questions": RowList(ctx, lambda: QuestionEditor(ctx), add_label="+ Add question", css="tp-questions",
                                 new_value=lambda: "", empty_text="No open questions."),
            "assumptions": LinesEditor(ctx, "Assumptions"),
        }
        return e, [heading("Questions for stakeholders"), e["questions"], heading("Assumptions"), e["assumptions"]]

    def _tab_9(self, ctx: Context) -> tuple[dict[str, Editor], list[Any]]:
        reviews = RowList(ctx, lambda: ReviewEditor(ctx), add_label="+ Add review round", css="tp-reviews",
                          new_value=lambda: {"round": max(_numbers(reviews.get(), "round"), default=0) + 1},
                          empty_text="No review rounds yet.")
        approvals = RowList(ctx, lambda: ApprovalEditor(ctx), add_label="+ Add approval", css="tp-approvals",
                            new_value=lambda: {"role": ""},
                            empty_text="None given: the plan lists the template's four roles, unticked.")
        use_defaults = W.Button(description="+ Add the template's four roles", layout=W.Layout(width="fit-content"),
                                tooltip="System Architect, Staff UX Designer, Engineering Manager, Stakeholder")
        use_defaults.on_click(lambda _: self.add_default_approvals())
        return {"reviews": reviews, "approvals": approvals}, [
            heading("Review rounds"), reviews, heading("Approvals"), approvals, use_defaults]

    # --- behaviour ---------------------------------------------------------------------------------

    def add_default_approvals(self) -> None:
        present = set(_ids(self.approvals.get(), "role"))
        for role in DEFAULT_APPROVALS:
            if role not in present:
                self.approvals.add({"role": role})

    def get(self) -> Any:
        data: dict[str, Any] = {}
        for key in [*PlanInput.model_fields, *self.editors, *self.pending]:
            if key in data:
                continue
            if key in self.editors:
                value = self.editors[key].get()
            else:
                value = self.pending.get(key, MISSING)
            if value is not MISSING:
                data[key] = value
        other = self.other.get() if OTHER_TAB in self.built else dict(self.extra)
        if isinstance(other, dict):
            for key, value in other.items():
                data.setdefault(key, value)
        return data

    def set(self, value: Any, loc: Loc = ()) -> None:
        if not isinstance(value, dict):
            self.ctx.warn(loc, f"expected the sections of a plan, got {value!r}")
            value = {}
        self.pending = {k: v for k, v in value.items() if k in TAB_OF_KEY}
        self.extra = {k: v for k, v in value.items() if k not in TAB_OF_KEY}
        for key, editor in self.editors.items():
            editor.set(self.pending.pop(key, MISSING), (key,))
        if OTHER_TAB in self.built:
            self.other.set(self.extra)
        self.refresh_choices()

    def nodes(self, loc: Loc) -> Iterator[tuple[Loc, Editor]]:
        yield loc, self
        for key, editor in self.editors.items():
            yield from editor.nodes((*loc, key))
        if OTHER_TAB in self.built:
            # A key the form has no box for (a typo, or a newer field) is judged beside "Other fields".
            other = self.other.get()
            for key in other if isinstance(other, dict) else ():
                if key not in self.editors:
                    yield (*loc, key), self.other

    def own_problems(self) -> list[tuple[Loc, str]]:
        if OTHER_TAB not in self.built:
            return []
        return [((), message) for message in self.other.own_problems()]


def _ids(values: Any, key: str) -> list[str]:
    return [str(v.get(key)) for v in values or [] if isinstance(v, dict) and v.get(key)]


def _numbers(values: Any, key: str) -> list[int]:
    return [v[key] for v in values or [] if isinstance(v, dict) and isinstance(v.get(key), int)]


def _model_fields(model: Any, name: str | None) -> dict[str, Any]:
    """The fields of a model (or of the model behind one of its fields), {} when there is none."""
    from .editors import model_in

    target = model_in(model.model_fields[name].annotation) if name else model_in(model)
    return dict(target.model_fields) if target is not None else {}


def _field_type(model: Any, name: str) -> Any:
    """A model field's type with its validators, to read a loaded value the way the model does."""
    field = model.model_fields[name]
    return Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation


def blank_inputs(as_of: Any = None) -> dict[str, Any]:
    """What a new form starts from: the template's defaults, today's date, the four approval roles."""
    data: dict[str, Any] = {"issue": {}, "status": "Draft", "stack": {"frontend": "Next.js", "backend": "Django"},
                            "approvals": [{"role": role} for role in DEFAULT_APPROVALS]}
    if as_of is not None:
        data["created"] = as_of.isoformat()
    return data

