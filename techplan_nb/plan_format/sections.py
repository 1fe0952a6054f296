"""THE catalogue of the house template's sections.

One entry per section or sub-section, in the template's order: its key (the `extra` key too), the
title the template prints, its heading level, its parent, the other names documents give it, the
inputs field it is read into, whether it is only a container, and whether a plan needs it before
review. The importer's outline, `techplan check`, the empty-section report and anything else that
lists the template's sections derive from this table, so a name added here is read everywhere.

Names are matched after `core_title` (case, numbering, emoji and "(REVISED)" suffixes removed,
"&" read as "and"). `names` are the template's own and the variants the importer has always read
where the template has the section (a sub-section only under its parent); `aliases` are what other
kinds of document call it (a KEP's "Goals", an RFC's "Drawbacks", an ADR's "Context and Problem
Statement"): they are read at any heading level, and only when the document does not also have the
section under one of its `names` -- so a generated plan, which has every section by its own title,
reads exactly as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    level: int
    parent: str | None = None
    names: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    field: str | None = None  # dotted path in the inputs; None for a container or a computed section
    container: bool = False  # only sub-sections under it; its own text is kept verbatim
    required: bool = False  # `check`: "_Not specified._" here is a finding
    computed: bool = False  # filled by the analysis, never by a person
    defaulted: bool = False  # the template prints its own default when the field is empty


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec("issue_summary", "Issue Summary", 2, None,
                ("issue summary", "summary"),
                ("abstract", "tl;dr", "tldr", "introduction", "overview", "motivation", "executive summary", "context",
                 "context and problem statement", "problem statement", "problem", "description", "synopsis",
                 "describe the bug", "bug description", "what happened", "what happened?", "feature description",
                 "is your feature request related to a problem", "is your feature request related to a problem?",
                 "is your feature request related to a problem? please describe", "the problem"),
                "issue.summary", required=True),
    SectionSpec("requirements", "Requirements Analysis", 2, None, ("requirements analysis", "requirements"),
                container=True),
    SectionSpec("functional", "Functional Requirements", 3, "requirements",
                ("functional requirements",),
                ("goals", "goals and requirements", "design goals", "objectives", "acceptance criteria",
                 "success criteria", "user stories", "use cases", "decision drivers", "requirements",
                 "expected behavior", "expected behaviour", "expected result", "expected results",
                 "describe the solution you'd like", "describe the solution you would like", "proposed feature",
                 "proposed solution"),
                "requirements.functional", required=True),
    SectionSpec("non_functional", "Non-Functional Requirements", 3, "requirements",
                ("non-functional requirements", "nonfunctional requirements", "non functional requirements"),
                ("quality attributes", "constraints", "non-functional goals"),
                "requirements.non_functional", required=True),
    SectionSpec("out_of_scope", "Out of Scope", 3, "requirements", ("out of scope",),
                ("non-goals", "non goals", "nongoals", "goals and non-goals out of scope", "not in scope",
                 "out-of-scope", "scope exclusions", "what this is not"),
                "requirements.out_of_scope"),
    SectionSpec("architecture", "Architecture Overview", 2, None, ("architecture overview", "architecture"),
                ("system architecture", "high-level design", "high level design", "architecture and design"),
                container=True),
    SectionSpec("system_context", "System Context", 3, "architecture", ("system context",),
                ("background", "current state", "prior art", "existing system", "how it works today"),
                "architecture.context", required=True),
    SectionSpec("component_architecture", "Component Architecture", 3, "architecture", ("component architecture",),
                ("components", "component diagram"), "architecture.components"),
    SectionSpec("technical_approach", "Technical Approach", 2, None, ("technical approach",),
                ("proposal", "proposed design", "design", "detailed design", "design details",
                 "detailed proposal", "the proposal", "solution", "approach", "implementation",
                 "reference-level explanation", "guide-level explanation", "proposed change", "decision",
                 "decision outcome", "specification", "how it works"),
                container=True),
    SectionSpec("frontend", "Frontend", 3, "technical_approach", ("frontend",), (), "approach.frontend"),
    SectionSpec("backend", "Backend", 3, "technical_approach", ("backend",), (), "approach.backend"),
    SectionSpec("database", "Database Design", 3, "technical_approach", ("database design",),
                ("data model", "database schema", "schema"), container=True),
    SectionSpec("new_tables", "New Tables", 4, "database", ("new tables",), (), "database.new_tables"),
    SectionSpec("modified_tables", "Modified Tables", 4, "database", ("modified tables",), (),
                "database.modified_tables"),
    SectionSpec("migration_strategy", "Data Migration Strategy", 4, "database", ("data migration strategy",),
                ("migration", "migration plan", "migration strategy", "data migration", "upgrade strategy",
                 "upgrade / downgrade strategy", "transition"),
                "database.migration_strategy"),
    SectionSpec("api", "API Design", 2, None, ("api design",), ("api", "api changes", "interface", "public api"),
                container=True),
    SectionSpec("new_endpoints", "New Endpoints", 3, "api", ("new endpoints",), ("endpoints",), "api.new_endpoints"),
    SectionSpec("modified_endpoints", "Modified Endpoints", 3, "api", ("modified endpoints",), (),
                "api.modified_endpoints"),
    SectionSpec("security", "Security Considerations", 2, None, ("security considerations", "security"),
                ("security and privacy", "security and privacy considerations", "privacy considerations",
                 "security/privacy considerations", "security/privacy",
                 "security implications", "security model", "threat model"),
                "security", required=True),
    SectionSpec("performance", "Performance Implications", 2, None, ("performance implications", "performance"),
                ("performance considerations", "scalability", "performance and scalability"), "performance"),
    SectionSpec("testing", "Testing Strategy", 2, None,
                ("testing strategy", "testing", "test strategy", "test plan", "testing plan"),
                ("tests", "validation", "verification"), container=True),
    SectionSpec("unit_tests", "Unit Tests", 3, "testing", ("unit tests",), (), "testing.unit", required=True),
    SectionSpec("integration_tests", "Integration Tests", 3, "testing", ("integration tests",), (),
                "testing.integration"),
    SectionSpec("e2e_tests", "End-to-End Tests", 3, "testing",
                ("end-to-end tests", "end to end tests", "e2e tests"), ("e2e",), "testing.e2e"),
    SectionSpec("risks", "Risk Assessment", 2, None,
                ("risk assessment", "risks", "risks and mitigations", "risk register", "risk analysis"),
                ("risk", "drawbacks", "risks and drawbacks", "downsides", "cons", "consequences",
                 "risks and assumptions", "risks mitigations", "known risks", "trade-offs", "tradeoffs",
                 "caveats", "negative consequences", "pitfalls"),
                "risks", required=True),
    SectionSpec("timeline", "Implementation Timeline", 2, None,
                ("implementation timeline", "timeline", "implementation plan"),
                ("work plan", "milestones", "rollout", "rollout plan", "phases", "plan", "schedule",
                 "roadmap", "delivery plan", "implementation history", "graduation criteria",
                 "adoption strategy", "next steps", "execution plan"),
                "timeline.phases", required=True),
    SectionSpec("dependencies", "Dependencies", 2, None, ("dependencies",), (), container=True),
    SectionSpec("internal_dependencies", "Internal Dependencies", 3, "dependencies", ("internal dependencies",),
                (), "dependencies.internal"),
    SectionSpec("external_dependencies", "External Dependencies", 3, "dependencies", ("external dependencies",),
                (), "dependencies.external"),
    SectionSpec("monitoring", "Monitoring & Observability", 2, None,
                ("monitoring and observability", "monitoring"),
                ("observability", "metrics", "monitoring requirements", "telemetry"), "monitoring"),
    SectionSpec("rollback", "Rollback Strategy", 2, None, ("rollback strategy", "rollback plan", "rollback"),
                # Not "Compatibility": what a change keeps working is no way to undo it, so that
                # section stays a named block of its own where the document has it.
                ("rollback and recovery", "backout plan", "reversibility"),
                "rollback", required=True),
    SectionSpec("future", "Future Considerations", 2, None, ("future considerations",),
                ("future work", "future possibilities", "future", "future enhancements", "follow-up work",
                 "follow-ups", "later", "future directions"),
                "future"),
    SectionSpec("questions", "Questions & Assumptions", 2, None,
                ("questions and assumptions", "open questions", "questions"), (), container=True),
    SectionSpec("stakeholder_questions", "Questions for Stakeholders", 3, "questions",
                ("questions for stakeholders", "questions", "open questions"),
                ("unresolved questions", "open issues", "open issues (if applicable)", "outstanding questions",
                 "faq", "unanswered questions", "discussion points"),
                "questions"),
    SectionSpec("assumptions", "Assumptions Made", 3, "questions", ("assumptions made", "assumptions"),
                ("assumptions and constraints",), "assumptions"),
    SectionSpec("reviews", "Review Feedback", 2, None, ("review feedback", "reviews"), (), "reviews"),
    SectionSpec("approval", "Approval", 2, None, ("approval", "approvals", "sign-off", "sign off", "sign-offs"),
                ("approvers", "signoff", "release signoff checklist", "sign off checklist"), "approvals",
                defaulted=True),
)


@lru_cache(maxsize=4)
def _index(catalogue: tuple[SectionSpec, ...]) -> dict[str, SectionSpec]:
    return {spec.key: spec for spec in catalogue}


def by_key(key: str) -> SectionSpec:
    return _index(SECTIONS)[key]


def titles() -> dict[str, str]:
    """Each key's title as the template prints it."""
    return {spec.key: spec.title for spec in SECTIONS}


def top_level() -> tuple[str, ...]:
    """The `##` sections in the template's order."""
    return tuple(spec.key for spec in SECTIONS if spec.parent is None)


def top(spec: SectionSpec) -> SectionSpec:
    """The `##` section a (sub-)section sits under."""
    while spec.parent is not None:
        spec = by_key(spec.parent)
    return spec


def descendants(key: str) -> tuple[str, ...]:
    """Every sub-section under `key`, at any depth, in the template's order."""
    return tuple(spec.key for spec in SECTIONS if spec.parent is not None and top(spec).key == key
                 and spec.key != key)


@lru_cache(maxsize=4)
def _names(catalogue: tuple[SectionSpec, ...]) -> tuple[dict[str, str], dict[str, dict[str, str]],
                                                         dict[str, tuple[str, ...]]]:
    tops: dict[str, str] = {}
    children: dict[str, dict[str, str]] = {}
    aliases: dict[str, list[str]] = {}
    for spec in catalogue:
        if spec.parent is None:
            for name in spec.names:
                tops.setdefault(name, spec.key)
        else:
            parent = spec.parent
            while _index(catalogue)[parent].parent is not None:
                parent = _index(catalogue)[parent].parent  # type: ignore[assignment]
            for name in spec.names:
                children.setdefault(parent, {}).setdefault(name, spec.key)
        for name in spec.aliases:
            aliases.setdefault(name, []).append(spec.key)
    return tops, children, {name: tuple(keys) for name, keys in aliases.items()}


def top_names() -> dict[str, str]:
    """`##` headings by the names the template reads there (core_title form) -> key."""
    return _names(SECTIONS)[0]


def child_names(parent: str) -> dict[str, str]:
    """Sub-section names read under the `##` section `parent` -> key."""
    return _names(SECTIONS)[1].get(parent, {})


def alias_keys(name: str) -> tuple[str, ...]:
    """The sections another kind of document calls `name`, best first."""
    return _names(SECTIONS)[2].get(name, ())


def own_name_keys(name: str) -> tuple[str, ...]:
    """Every section that has `name` among its own names (at any place in the outline)."""
    return tuple(spec.key for spec in SECTIONS if name in spec.names)


def required() -> tuple[str, ...]:
    return tuple(spec.key for spec in SECTIONS if spec.required)


def containers() -> frozenset[str]:
    return frozenset(spec.key for spec in SECTIONS if spec.container)


def with_field(keys: Iterable[str] | None = None) -> tuple[SectionSpec, ...]:
    wanted = set(keys) if keys is not None else None
    return tuple(spec for spec in SECTIONS if spec.field is not None and (wanted is None or spec.key in wanted))


def field_value(plan: object, path: str) -> object:
    """The value at a dotted inputs path ("requirements.functional") of a plan model or dict."""
    value: object = plan
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        else:
            value = getattr(value, part, None)
    return value


def is_filled(value: object) -> bool:
    """Whether a field would print anything but "_Not specified._": a model counts when any of its
    fields does, text when it has more than blanks."""
    fields = getattr(type(value), "model_fields", None)
    if fields is not None:
        return any(is_filled(getattr(value, name)) for name in fields)
    if isinstance(value, dict):
        return any(is_filled(v) for v in value.values())
    if isinstance(value, str):
        return bool(value.strip())
    return bool(value)


def has_kept(extra: object, key: str) -> bool:
    """Whether section `key` holds the document's own text in place of its field (`extra` is a
    plan's `extra`, as a model or as the plain data a template sees). Only text kept `before` the
    field counts: a section whose field is empty keeps everything there, unless the document itself
    wrote "_Not specified._". Text kept `after` the field comes only from such a document: the
    filler is printed again between the two, or the text after it would read back as the field
    (a numbered list as the section's list)."""
    entry = extra.get(key) if isinstance(extra, dict) else None
    if not entry:
        return False
    return is_filled(field_value(entry, "before")) and not is_filled(field_value(entry, "after"))


def is_specified(plan: object, spec: SectionSpec) -> bool:
    """Whether a section says anything: its field, or the document's text kept in it. The template
    prints "_Not specified._" only where this is false, and the empty-section report and `check`
    count the same sections, so the plan never shows a document's text followed by the filler."""
    return (spec.field is not None and is_filled(field_value(plan, spec.field))) or \
        has_kept(field_value(plan, "extra"), spec.key)


def empty(plan: object) -> list[str]:
    """The titles of the sections a plan leaves empty (printed "_Not specified._")."""
    return [spec.title for spec in with_field() if not spec.defaulted and not spec.computed
            and not is_specified(plan, spec)]
