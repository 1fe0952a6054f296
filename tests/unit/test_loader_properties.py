"""Properties of the loader, for any input: bytes in, a PlanInput or the project's InputError out,
never another exception; and whatever loads also renders.

Three generators, from blind to informed: raw bytes; YAML/JSON documents built from the schema's
own keys with hostile values; and a valid plan with one value replaced or its text cut short.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from techplan_nb.errors import InputError
from techplan_nb.inputs import allowed_keys, load_bytes
from techplan_nb.model import PlanInput
from techplan_nb.render import render_plan

from helpers import example_data

NAMES = ("in.yaml", "in.json", "in.txt")
AS_OF = dt.date(2026, 11, 20)


def outcome(raw: bytes, name: str) -> PlanInput | InputError:
    """The loader's answer; any exception other than InputError fails the test as it propagates."""
    try:
        plan = load_bytes(raw, name)
    except InputError as exc:
        assert exc.issues, "an InputError must say what is wrong"
        for issue in exc.issues:
            assert issue.file == name
            assert issue.message.strip()
            # lines as an editor counts them: \n, \r\n and a lone \r end one
            assert issue.line is None or 1 <= issue.line <= len(re.findall(rb"\r\n?|\n", raw)) + 1
        return exc
    render_plan(plan, as_of=AS_OF).encode("utf-8")
    return plan


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=600), st.sampled_from(NAMES))
@example(b"\xef\xbb\xbf{}", "in.json")
@example(b"\xff\xfei\x00", "in.yaml")
@example(b"a: 1" + b"0" * 5000, "in.yaml")
@example(b'{"a": 1' + b"0" * 5000 + b"}", "in.json")
@example(b'{"issue": {"number": 1, "title": "\\ud800"}}', "in.json")
@example(b'{"\\udc00": 1}', "in.json")
@example(b"[" * 2000, "in.json")
@example(b"a: " + b"[" * 2000, "in.yaml")
@example(b"- " * 300 + b"x", "in.yaml")
@example(b"a: !!python/object/apply:os.system [ls]", "in.yaml")
@example(b"a: &x [1]\nb: *x", "in.yaml")
@example(b"issue: {number: 1, title: t}\n\x85\xe2\x80\xa8", "in.yaml")
@example(b"a: 1\r\rb: \"\x01\"\r", "in.yaml")
@example(b"a:\r  \xc2\x85b\r  c: [\r", "in.yaml")
def test_any_bytes_give_a_plan_or_an_input_error(raw: bytes, name: str) -> None:
    outcome(raw, name)


# --- documents shaped like plans ----------------------------------------------------------------

KEYS = sorted({key for loc in [(), ("issue",), ("timeline",), ("risks", 0), ("timeline", "phases", 0),
                               ("timeline", "phases", 0, "tasks", 0), ("api", "new_endpoints", 0),
                               ("requirements",), ("reviews", 0), ("approvals", 0), ("timeline", "calendar")]
               for key in allowed_keys(loc)} | {"<<", "", "1", "optimistic", "likely", "pessimistic", "text"})
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-(10**4000), max_value=10**4000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30), st.sampled_from(["High", "m", "2026-02-30", "2026-11-20", "3-5 days", "5-3",
                                           "a", "b", "R1", "../../etc/passwd", "{{ 7*7 }}", "<b>x</b>",
                                           "\u202e", "\x00", "true", "no", ".nan", "1e999", "CON"]))
plan_like = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)),
    max_leaves=30)


def serialise(data: Any, as_json: bool) -> bytes:
    if as_json:
        return json.dumps(data, allow_nan=True, default=str).encode("utf-8", "surrogatepass")
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8", "surrogatepass")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(KEYS), plan_like, max_size=6), st.booleans(),
       st.integers(min_value=0, max_value=400))
def test_documents_built_from_the_schemas_keys_give_a_plan_or_an_input_error(
        data: dict[str, Any], as_json: bool, cut: int) -> None:
    data.setdefault("issue", {"number": 1, "title": "t"})
    raw = serialise(data, as_json)
    name = "in.json" if as_json else "in.yaml"
    outcome(raw, name)
    outcome(raw[: len(raw) - cut], name)  # a file cut short, as by a full disk or a killed editor


def _leaves(value: Any, loc: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(item, (*loc, key))] + [loc]
    if isinstance(value, list):
        return [leaf for index, item in enumerate(value) for leaf in _leaves(item, (*loc, index))] + [loc]
    return [loc]


EXAMPLE = example_data()
EXAMPLE_LEAVES = [loc for loc in _leaves(EXAMPLE) if loc]


def _replace(data: Any, loc: tuple[Any, ...], value: Any) -> Any:
    copy = json.loads(json.dumps(data, default=str))
    target = copy
    for part in loc[:-1]:
        target = target[part]
    target[loc[-1]] = value
    return copy


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(EXAMPLE_LEAVES), plan_like, st.booleans())
def test_the_full_example_with_any_one_value_replaced_gives_a_plan_or_an_input_error(
        loc: tuple[Any, ...], value: Any, as_json: bool) -> None:
    data = _replace(EXAMPLE, loc, value)
    result = outcome(serialise(data, as_json), "in.json" if as_json else "in.yaml")
    if isinstance(result, InputError) and isinstance(value, float) and not math.isfinite(value):
        return  # NaN and infinity are refused wherever they land; nothing more to check
    if isinstance(result, PlanInput):
        assert result.issue.number >= 1
