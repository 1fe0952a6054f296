"""Real documents teams have (tests/data/real, sources in SOURCES.md): design documents of many
shapes (KEPs, Rust/React/Ember/NixOS RFCs, Swift Evolution and Go proposals, ADRs, GOV.UK RFCs, gRPC
proposals, OTEPs) and GitHub issues (bug-report and feature-request forms, free-form). Each imports,
validates and renders; its words are kept; little is left verbatim outside the template's sections;
no section appears twice; the header values it states are read."""

from __future__ import annotations

import collections
import datetime as dt
import json
import re
import statistics
from pathlib import Path
from typing import Any

import pytest

from techplan_nb.importers.github import is_hint
from techplan_nb.inputs import load_path
from techplan_nb.plan_format import sections as catalogue
from techplan_nb.render import render_plan
from techplan_nb.verbatim import parser

from helpers import ROOT, is_subsequence, run_techplan, visible_words

REAL = ROOT / "tests" / "data" / "real"
AS_OF = dt.date(2026, 11, 20)

# What each document states in its header, and the options it needs for what it does not state.
DOCS: dict[str, dict[str, Any]] = {
    "rust-rfc-2094-nll.md": {"number": 43234, "created": "2017-08-02", "title": "nll"},
    "rust-rfc-3014-must-not-suspend-lint.md": {"number": 83310, "created": "2020-11-09"},
    "swift-se-0300-continuation.md": {"number": 300, "status": "Approved", "status_note": "Implemented (Swift 5.5)",
                                      "created_by": "John McCall, Joe Groff, Doug Gregor, Konrad Malawski"},
    "swift-se-0301-package-editing-commands.md": {"number": 301, "status": "Approved", "created_by": "Owen Voorhees"},
    "go-12166-subtests.md": {"number": 12166, "created_by": "Marcel van Lohuizen", "last_updated": "2015-09-02"},
    "go-11970-decentralized-gc.md": {"number": 11970, "created_by": "Austin Clements",
                                     "last_updated": "2015-10-25"},
    "react-rfc-0030-ref-forwarding.md": {"number": 12346, "created": "2018-03-07",
                                         "args": ["--title", "Ref forwarding"]},
    "madr-0000-use-madr.md": {"args": ["--issue", "1"], "title": "Use Markdown Architectural Decision Records"},
    "madr-0001-license.md": {"args": ["--issue", "2"], "title": "Dual License the Work"},
    "adr-jph-4-day-work-week.md": {"args": ["--issue", "3"]},
    "ember-rfc-0010-engines.md": {"number": 12685, "created": "2014-10-24", "status": "Approved",
                                  "args": ["--title", "Engines"]},
    "govuk-rfc-106-docker.md": {"number": 106, "status": "Approved", "status_note": "accepted"},
    "grpc-a10-localhost.md": {"status": "Draft", "created_by": "apolcyn", "last_updated": "2018-10-29",
                              "args": ["--issue", "10"]},
    "nixos-rfc-0023-musl.md": {"created": "2018-02-19", "created_by": "Will Dietz (@dtzWill)"},
    "otep-0016-named-tracers.md": {"args": ["--issue", "16"], "title": "Named Tracers and Meters"},
    "kep-2232-suspend-jobs.md": {"number": 2322},
    "kep-1591-daemonset-surge.md": {"args": ["--issue", "1591"]},
}
ISSUES = sorted(p.name for p in REAL.glob("gh-*.json"))
SECTION_LINE = re.compile(r"^(#{1,4}) (.+)$")
LABEL = re.compile(r"^\s*(?:#{1,6}\s.*|(?:\*\*|__)[^*_]+(?:\*\*|__)\s*:?)\s*$")


def _lines_words(text: str, keep: Any = None) -> list[list[str]]:
    env: dict[str, Any] = {}
    parser().parse(text, env)
    return [visible_words(line, env) for line in text.splitlines() if line.strip() and (keep is None or keep(line))]


def words_kept(source: list[list[str]], rendered: str) -> float:
    """The share of the source's words on lines whose words appear, in order, on one rendered line."""
    out = _lines_words(rendered)
    index: dict[str, list[int]] = collections.defaultdict(list)
    for number, words in enumerate(out):
        for word in set(words):
            index[word].append(number)
    total = kept = 0
    for words in source:
        total += len(words)
        if words and any(is_subsequence(words, out[n]) for n in min((index.get(w, []) for w in words), key=len)):
            kept += len(words)
    return kept / total if total else 1.0


def outside_share(data: dict[str, Any], size: int) -> float:
    """Verbatim text kept outside every template section (around the title), as a share of the input."""
    header = data.get("extra", {}).get("header", {})
    return sum(len(v) for k, v in header.items() if k != "heading") / size


def no_section_twice(rendered: str) -> None:
    titles = [m.group(2) for line in rendered.splitlines() if (m := SECTION_LINE.match(line)) and len(m.group(1)) == 2]
    template = {"Issue Summary", "Requirements Analysis", "Architecture Overview", "Technical Approach", "API Design",
                "Security Considerations", "Performance Implications", "Testing Strategy", "Risk Assessment",
                "Implementation Timeline", "Dependencies", "Monitoring & Observability", "Rollback Strategy",
                "Future Considerations", "Questions & Assumptions", "Review Feedback", "Approval"}
    doubled = [t for t, n in collections.Counter(titles).items() if n > 1 and t in template]
    assert not doubled, f"sections printed twice: {doubled}"


# Plan sections each document fills with fields (not verbatim text), as a floor: reading fields from
# prose (goals, risk lists, work plans, milestones) must not regress.
FILLED: dict[str, int] = {
    "adr-jph-4-day-work-week.md": 2,
    "ember-rfc-0010-engines.md": 1,
    "go-11970-decentralized-gc.md": 1,
    "go-12166-subtests.md": 2,  # its Compatibility section is no Rollback Strategy
    "govuk-rfc-106-docker.md": 1,
    "grpc-a10-localhost.md": 1,
    "kep-1591-daemonset-surge.md": 4,
    "kep-2232-suspend-jobs.md": 4,  # the Feature Enablement list is no Data Migration Strategy
    "madr-0000-use-madr.md": 1,
    "madr-0001-license.md": 1,
    "nixos-rfc-0023-musl.md": 3,
    "otep-0016-named-tracers.md": 1,
    "react-rfc-0030-ref-forwarding.md": 1,
    "rust-rfc-2094-nll.md": 1,
    "rust-rfc-3014-must-not-suspend-lint.md": 3,
    "swift-se-0300-continuation.md": 1,
    "swift-se-0301-package-editing-commands.md": 1,
}


def fields_filled(plan: Any) -> list[str]:
    return [spec.key for spec in catalogue.with_field() if not spec.defaulted and not spec.computed
            and spec.field is not None and catalogue.is_filled(catalogue.field_value(plan, spec.field))]


SHARES: dict[str, float] = {}


@pytest.mark.parametrize("name", sorted(DOCS))
def test_a_real_design_document_imports_keeps_its_words_and_reads_its_header(name: str, tmp_path: Path) -> None:
    expected = DOCS[name]
    source = REAL / name
    out = tmp_path / "inputs.yaml"
    result = run_techplan("import", "markdown", source, "-o", out, *expected.get("args", []))
    assert result.returncode == 0, result.stderr
    plan = load_path(out)
    rendered = render_plan(plan, as_of=AS_OF)
    text = source.read_text("utf-8")
    kept = words_kept(_lines_words(text), rendered)
    assert kept >= 0.995, f"{name}: {kept:.2%} of the words kept"
    data = plan.model_dump(mode="json")
    share = outside_share(data, len(text))
    SHARES[name] = share
    assert share <= 0.30, f"{name}: {share:.0%} left verbatim outside any section"
    no_section_twice(rendered)
    filled = fields_filled(plan)
    assert len(filled) >= FILLED[name], f"{name}: fields filled {filled}"
    for key in ("number", "title"):
        if key in expected:
            assert getattr(plan.issue, key) == expected[key]
    for key in ("created", "last_updated", "created_by", "status", "status_note"):
        if key in expected:
            assert str(getattr(plan, key)) == expected[key], key


def test_the_median_share_left_outside_the_sections_is_low() -> None:
    if len(SHARES) < len(DOCS):
        pytest.skip("runs after the per-document tests")
    assert statistics.median(SHARES.values()) <= 0.30


def test_a_document_stating_no_issue_number_names_the_option(tmp_path: Path) -> None:
    result = run_techplan("import", "markdown", REAL / "madr-0000-use-madr.md", "-o", tmp_path / "inputs.yaml")
    assert result.returncode == 2
    assert "--issue N" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "inputs.yaml").exists()


@pytest.mark.parametrize("name", ISSUES)
def test_a_real_github_issue_imports_without_its_template_hints(name: str, tmp_path: Path) -> None:
    source = REAL / name
    issue = json.loads(source.read_text("utf-8"))
    out = tmp_path / "inputs.yaml"
    result = run_techplan("import", "github", source, "-o", out)
    assert result.returncode == 0, result.stderr
    plan = load_path(out)
    rendered = render_plan(plan, as_of=AS_OF)
    # The author's words are kept; the template's hints are not content, and its labels ("### Expected
    # behavior", "**Describe the bug**") are kept only with an answer.
    kept = words_kept(_lines_words(issue["body"], keep=lambda line: not is_hint(line) and not LABEL.match(line)),
                      rendered)
    assert kept >= 0.995, f"{name}: {kept:.2%} of the words kept"
    texts = [plan.issue.summary] + [r.text for r in plan.requirements.functional]
    assert not any("clear and concise description" in t.lower() or "[e.g." in t for t in texts)
    no_section_twice(rendered)
    assert str(plan.created) == issue["createdAt"][:10]
    assert plan.created_by == "@" + issue["author"]["login"]
    assert plan.issue.labels == [label["name"] for label in issue["labels"]]
    assert plan.issue.url == issue["url"]


def big_design_document(size: int) -> str:
    """A design document of about `size` bytes made of the corpus's own text, in the shapes that fill
    one field or one kept section past the per-text cap: a front-matter header, a Motivation of one
    long run of paragraphs, a Goals list of more entries than a list may hold, and a Detailed design
    holding every corpus document in turn (their headings one level down, their tables, lists and
    code as written)."""
    bodies = [(REAL / name).read_text("utf-8") for name in sorted(DOCS)]
    paragraphs = [p for body in bodies for p in body.split("\n\n")
                  if p.strip() and p[0].isalpha() and "\n" not in p.strip() and "|" not in p and len(p) > 80]
    sentences = [s.strip() for p in paragraphs for s in p.split(". ") if 30 < len(s.strip()) < 300]
    head = ["---", "title: Unified scheduling for batch and streaming jobs", "authors:", "  - Ada Example",
            "  - Grace Example", "status: Accepted", "creation-date: 2026-03-02", "tracking-issue: 4242", "---", "",
            "# Unified scheduling for batch and streaming jobs", "", "## Motivation", ""]
    motivation: list[str] = []
    while sum(len(p) for p in motivation) < 80_000:  # more than one text may hold
        motivation.append(paragraphs[len(motivation) % len(paragraphs)])
    parts = ["\n".join(head), "\n\n".join(motivation), "## Goals", "\n".join(
        f"- {sentences[i % len(sentences)]} (goal {i + 1})" for i in range(1_100)), "## Detailed design"]
    copies = 0
    while sum(len(p) + 2 for p in parts) < size:
        body = bodies[copies % len(bodies)]
        body = re.sub(r"^(#{1,4}) ", lambda m: "#" * min(6, len(m.group(1)) + 3) + " ", body, flags=re.M)
        body = body.split("\n---\n", 1)[-1] if body.startswith("---\n") else body
        copies += 1
        parts.append(f"### Worked example {copies}\n\n{body}")
    text = "\n\n".join(parts)
    return text[:size].rsplit("\n\n", 1)[0] + "\n\n## Drawbacks\n\nIt is a big change.\n"


def test_a_900_kib_design_document_imports_validates_renders_and_keeps_its_words(tmp_path: Path) -> None:
    from techplan_nb.inputs import MAX_ITEMS, MAX_TEXT

    source = tmp_path / "big-design.md"
    text = big_design_document(900 * 1024)
    source.write_text(text, "utf-8")
    out = tmp_path / "inputs.yaml"
    result = run_techplan("import", "markdown", source, "-o", out)
    assert result.returncode == 0, result.stderr
    plan = load_path(out)
    assert plan.issue.number == 4242 and plan.status == "Approved"
    # Fields stay within the caps every other text has; what would pass them is kept as written.
    assert len(plan.issue.summary) <= MAX_TEXT and len(plan.requirements.functional) <= MAX_ITEMS
    assert "the summary takes the first" in result.stderr and "the list of 1,100 entries" in result.stderr
    rendered = render_plan(plan, as_of=AS_OF)
    kept = words_kept(_lines_words(text), rendered)
    assert kept >= 0.995, f"{kept:.2%} of the words kept"
    no_section_twice(rendered)
