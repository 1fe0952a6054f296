"""The inputs of one Technical Plan: a strict pydantic schema covering every template section.

Pure: no clock, disk or Jupyter. Dates arrive as text (the loader never lets YAML guess) and
are parsed here, so "2026-02-30" is an error with a field path, not a silent surprise.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

# C0 controls except tab/newline/CR, DEL, C1 controls, the bidi overrides/isolates that can make
# a plan read differently from what it says ("Trojan Source"), and the interlinear annotation
# marks, which hide the text between them. (The bidi marks LRM and RLM are kept: right-to-left
# text needs them.)
_FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff"
                              "\ufff9-\ufffb]")
# Tag characters show nothing: a text can carry a hidden message in them ("ASCII smuggling"). The
# one use they have is a subdivision flag (England's is U+1F3F4, tags, the cancel tag), kept.
_TAG_CHARS = re.compile("[\U000e0000-\U000e007f]")
_FLAG = re.compile("\U0001f3f4[\U000e0020-\U000e007e]{1,32}\U000e007f")


def _clean_text(value: str) -> str:
    bad = _FORBIDDEN_CHARS.search(value)
    if bad is None and _TAG_CHARS.search(value):
        bad = _TAG_CHARS.search(_FLAG.sub(lambda flag: " " * len(flag.group()), value))
    if bad:
        raise ValueError(
            f"contains the invisible control character U+{ord(bad.group()):04X} at position "
            f"{bad.start() + 1}; remove it (it can hide or reorder text)"
        )
    return value.replace("\r\n", "\n").replace("\r", "\n")


# Characters str.strip() keeps that show nothing: zero-width, joiners, the soft hyphen and the
# blank "letters" (Hangul fillers, the blank Braille pattern). At the ends of a text they are
# removed like spaces, so a title of only these is empty, not an invisible heading.
_BLANK = frozenset("\u00ad\u034f\u115f\u1160\u180e\u200b\u200c\u200d\u2060\u2800\u3164\uffa0")


def _strip_line(value: str) -> str:
    text = _clean_text(value)
    start, end = 0, len(text)
    while start < end and (text[start].isspace() or text[start] in _BLANK):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in _BLANK):
        end -= 1
    return text[start:end]


def _coerce_text(value: Any) -> Any:
    # YAML users write `request: -` or `response: 204`; numbers are text in a plan.
    if isinstance(value, bool):
        raise ValueError("expected text, got true/false; quote it if you mean the word")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


Text = Annotated[str, BeforeValidator(_coerce_text), AfterValidator(_strip_line)]
"""One line or a paragraph of user text, stripped."""

Block = Annotated[str, BeforeValidator(_coerce_text), AfterValidator(_clean_text)]
"""Verbatim multi-line text (SQL, diagrams); only trailing whitespace is trimmed on render."""

NonEmptyText = Annotated[Text, Field(min_length=1)]

_LINE_BREAK = re.compile("[\n\u2028\u2029]")


def _one_line(value: str) -> str:
    # A title or a name is one line: a line break in one (a YAML `|` block) printed it on the
    # terminal as two lines, the second free to fake output ("Can move to Approved: yes").
    if not _LINE_BREAK.search(value):
        return value
    return " ".join(line.strip() for line in _LINE_BREAK.split(value) if line.strip())


Line = Annotated[Text, AfterValidator(_one_line)]
"""A title or a name: one line of user text (line breaks in it become spaces)."""

NonEmptyLine = Annotated[Line, Field(min_length=1)]


def _flag(value: Any) -> Any:
    # pydantic's lax bool reads "yes", "on", "y", "1" and 1 as true, while the review commands and
    # the workflow only see true/false: `approved: yes` passed the approval gate and was never
    # withdrawn. YAML 1.2's true/false (any case) is the only spelling of a yes/no field.
    if isinstance(value, bool):
        return value
    shown = repr(value) if not isinstance(value, str) or len(value) <= 40 else repr(value[:40]) + "…"
    raise ValueError(f"{shown} is not a yes/no value; write true or false (unquoted)")


Flag = Annotated[bool, BeforeValidator(_flag)]
"""A yes/no field (done, answered, approved): YAML true or false only."""


def _verbatim_markdown(value: str) -> str:
    from .verbatim import sanitize  # markdown-it is imported only when a plan carries such content

    return sanitize(_clean_text(value))


Markdown = Annotated[str, BeforeValidator(_coerce_text), AfterValidator(_verbatim_markdown)]
"""Verbatim Markdown printed as written (raw HTML defused, see techplan_nb/verbatim.py); never
ordinary user text, which is always escaped."""

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
Ident = Annotated[
    str,
    Field(pattern=ID_PATTERN, description="Letters, digits, '-', '_' or '.', starting with a letter or digit."),
]


def _parse_date(value: Any) -> Any:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a date written as YYYY-MM-DD, e.g. 2026-11-20")
    text = value.strip()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):  # \d would take other scripts' digits
        raise ValueError(f"{text!r} is not a date in the form YYYY-MM-DD (e.g. 2026-11-20)")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a real calendar date") from None


IsoDate = Annotated[dt.date, BeforeValidator(_parse_date)]


def _as_list(value: Any) -> Any:
    # A single string where a list is expected is almost always "a list of one".
    if isinstance(value, str):
        return [value] if value.strip() else []
    if value is None:
        return []
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _keys_left_empty_are_omitted(cls, data: Any) -> Any:
        # `risks:` with nothing after it is YAML's null: people leave a section empty that way, so
        # an optional key given no value means "not given", not "wrong type". Required keys stay.
        if isinstance(data, dict) and any(value is None for value in data.values()):
            fields = cls.model_fields
            return {key: value for key, value in data.items()
                    if value is not None or key not in fields or fields[key].is_required()}
        return data


# --- checklists -------------------------------------------------------------------------


class CheckItem(Strict):
    text: NonEmptyText
    done: Flag = False


def _check_item(value: Any) -> Any:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return {"text": value}
    return value


CheckItemIn = Annotated[CheckItem, BeforeValidator(_check_item)]
Checklist = Annotated[list[CheckItemIn], BeforeValidator(_as_list)]
Bullets = Annotated[list[NonEmptyText], BeforeValidator(_as_list)]


class Question(Strict):
    text: NonEmptyText
    answered: Flag = False
    answer: Text = ""


def _question(value: Any) -> Any:
    if isinstance(value, str):
        return {"text": value}
    return value


# --- header ------------------------------------------------------------------------------

STATUSES = ("Draft", "Under Review", "Approved")
Status = Literal["Draft", "Under Review", "Approved"]


def _status(value: Any) -> Any:
    if isinstance(value, str):
        key = re.sub(r"[\s_-]+", " ", value.strip()).lower()
        for status in STATUSES:
            if status.lower() == key:
                return status
        raise ValueError(f"{value!r} is not a status; use one of: {', '.join(STATUSES)}")
    return value


class Issue(Strict):
    number: Annotated[int, Field(ge=1, le=10**9, strict=True)]
    title: Annotated[Line, Field(min_length=1, max_length=200)]
    # No user name before the host: https://github.com@evil.example/ reads as GitHub and goes elsewhere.
    url: Annotated[Text, Field(pattern=r"^https?://[^\s/?#@]+(?:[/?#]\S*)?$", max_length=500)] | None = None
    summary: Text = ""
    labels: Bullets = []


class Stack(Strict):
    frontend: NonEmptyText = "Next.js"
    backend: NonEmptyText = "Django"


class Requirements(Strict):
    functional: Checklist = []
    non_functional: Checklist = []
    out_of_scope: Bullets = []


class Architecture(Strict):
    context: Bullets = []
    components: Block = ""


class FrontendApproach(Strict):
    components: Text = ""
    pages: Text = ""
    state_management: Text = ""
    api_integration: Text = ""
    styling: Text = ""
    routing: Text = ""


class BackendApproach(Strict):
    models: Text = ""
    apis: Text = ""
    authentication: Text = ""
    business_logic: Text = ""
    data_migration: Text = ""


class Approach(Strict):
    frontend: FrontendApproach = FrontendApproach()
    backend: BackendApproach = BackendApproach()


class Database(Strict):
    new_tables: Block = ""
    modified_tables: Block = ""
    migration_strategy: Bullets = []


HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


class Endpoint(Strict):
    method: Annotated[str, BeforeValidator(lambda v: v.strip().upper() if isinstance(v, str) else v)]
    path: NonEmptyText
    description: Text = ""
    request: Text = ""
    response: Text = ""

    @field_validator("method")
    @classmethod
    def _known_method(cls, value: str) -> str:
        if value not in HTTP_METHODS:
            raise ValueError(f"{value!r} is not an HTTP method; use one of: {', '.join(HTTP_METHODS)}")
        return value


class Api(Strict):
    new_endpoints: list[Endpoint] = []
    modified_endpoints: Bullets = []


class Security(Strict):
    authentication: Text = ""
    authorization: Text = ""
    data_protection: Text = ""
    input_validation: Text = ""
    output_sanitization: Text = ""


class Performance(Strict):
    database: Text = ""
    api: Text = ""
    frontend: Text = ""
    caching: Text = ""


class Testing(Strict):
    unit: Bullets = []
    integration: Bullets = []
    e2e: Bullets = []


# --- risks -------------------------------------------------------------------------------

LEVELS = ("Low", "Medium", "High")
Level = Literal["Low", "Medium", "High"]
LEVEL_ALIASES = {"h": "High", "high": "High", "m": "Medium", "med": "Medium", "medium": "Medium",
                 "l": "Low", "low": "Low"}


def _level(value: Any) -> Any:
    if isinstance(value, bool):  # pydantic would read true as 1
        raise ValueError("expected High, Medium or Low (or 1-5 with risk_scale: 5), got true/false")
    if isinstance(value, str):
        level = LEVEL_ALIASES.get(value.strip().lower())
        if level is None:
            raise ValueError(f"{value!r} is not a level; use High, Medium or Low (or H, M, L)")
        return level
    return value


RiskValue = Annotated[Level | int, BeforeValidator(_level)]


class Risk(Strict):
    id: Ident | None = None
    risk: NonEmptyText
    probability: RiskValue
    impact: RiskValue
    mitigation: Text = ""
    owner: Line = ""
    status: Literal["open", "closed"] = "open"

    @field_validator("probability", "impact")
    @classmethod
    def _in_scale(cls, value: str | int) -> str | int:
        if isinstance(value, int) and not 1 <= value <= 5:
            raise ValueError(f"{value} is outside the scale; use 1-5 (with risk_scale: 5) or High/Medium/Low")
        return value


# --- timeline ----------------------------------------------------------------------------


class ThreePoint(Strict):
    optimistic: float
    likely: float
    pessimistic: float

    @field_validator("optimistic", "likely", "pessimistic", mode="before")
    @classmethod
    def _not_boolean(cls, value: Any) -> Any:
        if isinstance(value, bool):  # pydantic would read true as 1.0 days
            raise ValueError("expected a number of days, got true/false")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> ThreePoint:
        for name in ("optimistic", "likely", "pessimistic"):
            value = getattr(self, name)
            if not math.isfinite(value) or value <= 0:
                raise ValueError(f"{name} must be a positive number of days, got {value}")
        if not self.optimistic <= self.likely <= self.pessimistic:
            raise ValueError(
                "estimates must satisfy optimistic <= likely <= pessimistic, got "
                f"{_days(self.optimistic)} / {_days(self.likely)} / {_days(self.pessimistic)}"
            )
        return self


def _days(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# [0-9], not \d: \d also takes other scripts' digits ("٣", "３"), which float() would read as 3.
# Possessive \s*+: the blanks on either side of the optional "d" split no other way worth trying;
# a plain \s* tried every split of a long run of blanks before failing, quadratic in its length.
_RANGE = re.compile(r"^\s*+([0-9]+(?:\.[0-9]+)?)\s*+(?:-|–|to)\s*+([0-9]+(?:\.[0-9]+)?)\s*+(?:d|days?)?\s*+$")
_SINGLE = re.compile(r"^\s*+([0-9]+(?:\.[0-9]+)?)\s*+(?:d|days?)?\s*+$")


def _estimate(value: Any) -> Any:
    """Number of days, "a-b" range, or three-point mapping, all normalised to ThreePoint."""
    if isinstance(value, bool):
        raise ValueError("expected a number of days, a range like 2-3, or {optimistic, likely, pessimistic}")
    if isinstance(value, (int, float)):
        return {"optimistic": value, "likely": value, "pessimistic": value}
    if isinstance(value, str):
        single = _SINGLE.match(value)
        if single:
            days = float(single.group(1))
            return {"optimistic": days, "likely": days, "pessimistic": days}
        match = _RANGE.match(value)
        if not match:
            raise ValueError(
                f"{value!r} is not an estimate; write a number of days (3), a range (2-4), "
                "or {optimistic: 2, likely: 3, pessimistic: 5}"
            )
        low, high = float(match.group(1)), float(match.group(2))
        if low > high:
            raise ValueError(f"range {value!r} runs backwards; write the smaller number first")
        return {"optimistic": low, "likely": (low + high) / 2, "pessimistic": high}
    return value


Estimate = Annotated[ThreePoint, BeforeValidator(_estimate)]
IdList = Annotated[list[Ident], BeforeValidator(_as_list)]


class Task(Strict):
    id: Ident
    name: NonEmptyLine
    estimate: Estimate
    depends_on: IdList | None = None
    done: Flag = False


class Phase(Strict):
    id: Ident | None = None
    name: NonEmptyLine
    depends_on: IdList | None = None
    estimate: Estimate | None = None
    tasks: list[Task] = []
    items: Checklist = []

    @model_validator(mode="after")
    def _has_work(self) -> Phase:
        if self.tasks and self.estimate is not None:
            raise ValueError("give either tasks (each with its estimate) or one phase estimate, not both")
        return self


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _weekday(value: Any) -> Any:
    if isinstance(value, str):
        # A name or its start ("Sat", "Satur", "Saturday"; "Weds"), not any word with those three
        # letters first: "Monkey" or "Sunflower" is a typo to point at, not a weekend.
        word = value.strip().lower()
        for key, name in zip(WEEKDAYS, _WEEKDAY_NAMES, strict=True):
            if (len(word) >= 3 and name.startswith(word)) or (key == "Wed" and word == "weds"):
                return key
        raise ValueError(f"{value!r} is not a weekday; use Mon, Tue, Wed, Thu, Fri, Sat or Sun")
    return value


Weekday = Annotated[Literal["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], BeforeValidator(_weekday)]


class Calendar(Strict):
    weekends: Annotated[list[Weekday], BeforeValidator(_as_list)] = ["Sat", "Sun"]
    holidays: Annotated[list[IsoDate], BeforeValidator(_as_list)] = []
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")] | None = None

    @field_validator("weekends")
    @classmethod
    def _some_workdays(cls, value: list[str]) -> list[str]:
        if len(set(value)) >= 7:
            raise ValueError("every day is a weekend; leave at least one working day")
        return value


def _percent(value: Any) -> Any:
    if isinstance(value, bool):  # pydantic would read true as 1
        raise ValueError("expected a percentage (a number such as 15), got true/false")
    if isinstance(value, str) and value.strip().endswith("%"):
        return value.strip()[:-1].strip()
    return value


Percent = Annotated[float, BeforeValidator(_percent), Field(allow_inf_nan=False)]


class Contingency(Strict):
    """The schedule buffer open High risks add to the P80 date (see techplan_nb.risk.contingency)."""

    high_risk_percent: Annotated[Percent, Field(
        ge=0, le=100, description="Percent of the P80 duration one open High risk adds at the highest score "
        "(scaled by score / max score); 0 turns the buffer off.")] = 15.0
    max_percent: Annotated[Percent, Field(ge=0, le=200, description="Cap on the total buffer, in percent.")] = 50.0


class Timeline(Strict):
    start: IsoDate | None = None
    calendar: Calendar = Calendar()
    simulations: Annotated[int, Field(
        ge=100, le=100_000, strict=True,
        description="Monte Carlo runs behind the P50/P80/P90 dates (seeded, so repeatable).")] = 10_000
    contingency: Contingency = Contingency()
    phases: list[Phase] = []


# --- reviews and approvals ---------------------------------------------------------------

REVIEW_STATUSES = ("Approved", "Changes Requested")


def _review_status(value: Any) -> Any:
    if isinstance(value, str):
        key = re.sub(r"[\s_-]+", " ", value.strip()).lower()
        for status in REVIEW_STATUSES:
            if status.lower() == key:
                return status
        raise ValueError(f"{value!r} is not a review status; use Approved or Changes Requested")
    return value


class Review(Strict):
    round: Annotated[int, Field(ge=1, strict=True)]
    date: IsoDate | None = None
    reviewer: NonEmptyLine
    status: Annotated[Literal["Approved", "Changes Requested"], BeforeValidator(_review_status)]
    feedback: Bullets = []
    resolution: Bullets = []


class Approval(Strict):
    role: NonEmptyLine
    approved: Flag = False
    by: Line = ""
    date: IsoDate | None = None


DEFAULT_APPROVALS = (
    "System Architect (Author)",
    "Staff UX Designer (if UI changes)",
    "Engineering Manager",
    "Stakeholder",
)


# --- content kept from an imported plan ------------------------------------------------------

SectionKey = Literal[
    "header", "issue_summary",
    "requirements", "functional", "non_functional", "out_of_scope",
    "architecture", "system_context", "component_architecture",
    "technical_approach", "frontend", "backend", "database", "new_tables", "modified_tables",
    "migration_strategy",
    "api", "new_endpoints", "modified_endpoints",
    "security", "performance",
    "testing", "unit_tests", "integration_tests", "e2e_tests",
    "risks", "timeline",
    "dependencies", "internal_dependencies", "external_dependencies",
    "monitoring", "rollback", "future",
    "questions", "stakeholder_questions", "assumptions",
    "reviews", "approval",
]
SECTION_KEYS: tuple[str, ...] = get_args(SectionKey)


class SectionExtra(Strict):
    """What a hand-written plan has in one (sub)section beyond the template's fields, kept verbatim
    so that importing a plan loses nothing. `heading` is the heading as written when it differs
    from the template's (e.g. "Security Considerations (REVISED)"; for `header`, the title line after
    '# '). Markdown that stood before a section's own content goes in `before` (for `header`: above
    the title), the rest in `after`."""

    heading: Text = ""
    before: Markdown = ""
    after: Markdown = ""


# --- the whole plan ------------------------------------------------------------------------


class PlanInput(Strict):
    """Everything one Technical Plan is made from."""

    issue: Issue
    created_by: NonEmptyText = "System Architect"
    created: IsoDate | None = None
    last_updated: IsoDate | None = None
    status: Annotated[Status, BeforeValidator(_status)] = "Draft"
    status_note: Annotated[Text, Field(description="Words kept beside the status, e.g. 'pending security "
                                       "sign-off'; shown as 'Approved (pending security sign-off)'.")] = ""
    status_since: IsoDate | None = Field(
        default=None, description="The day the plan entered its current status; set by the review "
        "commands, and used to flag plans left Under Review too long.")
    stack: Stack = Stack()
    requirements: Requirements = Requirements()
    architecture: Architecture = Architecture()
    approach: Approach = Approach()
    database: Database = Database()
    api: Api = Api()
    security: Security = Security()
    performance: Performance = Performance()
    testing: Testing = Testing()
    risk_scale: Literal[3, 5] = 3
    risks: list[Risk] = []
    timeline: Timeline = Timeline()
    dependencies: Annotated[dict[Literal["internal", "external"], Bullets], BeforeValidator(lambda v: v or {})] = {}
    monitoring: Annotated[dict[Literal["metrics", "logging", "alerts", "dashboards"], Text],
                          BeforeValidator(lambda v: v or {})] = {}
    rollback: Bullets = []
    future: Bullets = []
    questions: Annotated[list[Annotated[Question, BeforeValidator(_question)]], BeforeValidator(_as_list)] = []
    assumptions: Bullets = []
    reviews: list[Review] = []
    approvals: list[Approval] = []
    extra: Annotated[dict[SectionKey, SectionExtra], BeforeValidator(lambda v: v or {}), Field(
        description="Verbatim Markdown a plan has beyond the template's fields, by section "
                    "(filled by `techplan import markdown`).")] = {}



Loc = tuple[str | int, ...]


def has_any(value: Any) -> bool:
    """True when a section holds any user content (used to print "_Not specified._")."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, tuple)):
        return any(has_any(v) for v in value)
    if isinstance(value, dict):
        return any(has_any(v) for v in value.values())
    if hasattr(value, "model_dump"):
        return any(has_any(getattr(value, name)) for name in type(value).model_fields)
    return True


def dated(plan: PlanInput, as_of: dt.date | None, *, today: dt.date) -> tuple[PlanInput, dt.date]:
    """The plan and the day it is made as of, the same for render, analyze, run, batch and the form.

    An explicit `as_of` (--as-of, the notebook's as_of parameter, the form's As of) is the plan's
    date: its Last Updated line shows it, in place of the inputs' last_updated. Without one the plan
    is dated by the inputs' last_updated, else `today`. Nothing else depends on it: the schedule
    starts at timeline.start whatever the day.
    """
    if as_of is None:
        return plan, plan.last_updated or today
    if plan.last_updated == as_of:
        return plan, as_of
    return plan.model_copy(update={"last_updated": as_of}), as_of
