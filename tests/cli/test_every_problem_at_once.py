"""validate (and the form, through the same loader) reports every problem in one run: the
dependency, cycle and calendar checks run on the parts that parsed, beside the structural errors
(they appeared only once every typo'd key was fixed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from techplan_nb.errors import InputError
from techplan_nb.inputs import load_bytes

from helpers import run_techplan

THREE_PROBLEMS = """\
issue:
  number: 5
  title: Three problems
rolback:
  - undo it
timeline:
  start: 2026-11-09
  phases:
    - name: Build
      tasks:
        - id: model
          name: Model
          estimate: 1
        - id: api
          name: API
          estimate: 2
          depends_on: [modle]
        - id: a
          name: A
          estimate: 1
          depends_on: [b]
        - id: b
          name: B
          estimate: 1
          depends_on: [a]
"""


def test_a_typo_an_unknown_dependency_and_a_cycle_are_reported_in_one_run(tmp_path: Path) -> None:
    path = tmp_path / "inputs.yaml"
    path.write_text(THREE_PROBLEMS, "utf-8")
    result = run_techplan("validate", path)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert any(line.endswith(":4: rolback: unknown key 'rolback'; did you mean 'rollback'?") for line in lines), lines
    assert any(":17: timeline.phases[0].tasks[1].depends_on: unknown task id 'modle'" in line for line in lines), lines
    assert any(":21: timeline.phases[0].tasks[2].depends_on: depends_on makes a cycle: a → b → a" in line
               for line in lines), lines
    assert len(lines) == 3, lines


def test_an_id_only_a_refused_item_held_is_not_reported_as_unknown_and_lines_stay_true() -> None:
    text = THREE_PROBLEMS.replace("        - id: model\n          name: Model\n", "        - id: model\n") + (
        "    - name: Ship\n      tasks:\n        - id: ship\n          name: Ship\n          estimate: 1\n"
        "          depends_on: [model]\n")
    text += "  calendar:\n    country: XX\n"
    with pytest.raises(InputError) as caught:
        load_bytes(text.encode(), "inputs.yaml")
    found = [(issue.line, issue.field, issue.message.split(";")[0]) for issue in caught.value.issues]
    assert (11, "timeline.phases[0].tasks[0].name", "is required") in found
    # `model` was set aside with its error: `api` and `ship` waiting for it is not another problem.
    assert not any("'model'" in message for _line, _field, message in found), found
    # The index after the set-aside item is the file's own: tasks[2] is `a`, on line 19.
    assert any(field == "timeline.phases[0].tasks[2].depends_on" and "cycle" in message
               for _line, field, message in found), found
    assert any(field == "timeline.calendar.country" for _line, field, _message in found), found
