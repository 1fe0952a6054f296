"""Risk analysis: scores, levels on both scales, the register's order, matrix, summary, flags."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from techplan_nb.errors import InputError
from techplan_nb.inputs import load_path
from techplan_nb.model import Risk
from techplan_nb.risk import analyse_risks, contingency, level_of

from helpers import write_inputs

WORDS = ("Low", "Medium", "High")


def risks(*specs: dict[str, Any]) -> list[Risk]:
    return [Risk.model_validate({"risk": f"risk {i}", **spec}) for i, spec in enumerate(specs)]


@pytest.mark.parametrize("probability, impact, score, level", [
    ("Low", "Low", 1, "Low"), ("Low", "Medium", 2, "Low"), ("Medium", "Low", 2, "Low"),
    ("Low", "High", 3, "Medium"), ("High", "Low", 3, "Medium"), ("Medium", "Medium", 4, "Medium"),
    ("Medium", "High", 6, "High"), ("High", "Medium", 6, "High"), ("High", "High", 9, "High"),
])
def test_three_point_scale_scores_and_levels(probability: str, impact: str, score: int, level: str) -> None:
    (scored,) = analyse_risks(risks({"probability": probability, "impact": impact})).register
    assert (scored.score, scored.level) == (score, level)


def test_five_point_scale_levels_follow_the_documented_bands() -> None:
    for p, i in itertools.product(range(1, 6), repeat=2):
        score = p * i
        expected = "Low" if score <= 4 else "Medium" if score <= 12 else "High"
        (scored,) = analyse_risks(risks({"probability": p, "impact": i}), scale=5).register
        assert (scored.score, scored.level) == (score, expected), (p, i)


def test_words_give_the_same_level_on_either_scale() -> None:
    for p, i in itertools.product(WORDS, repeat=2):
        three = analyse_risks(risks({"probability": p, "impact": i}), scale=3).register[0]
        five = analyse_risks(risks({"probability": p, "impact": i}), scale=5).register[0]
        assert three.level == five.level, (p, i)
    assert analyse_risks(risks({"probability": "High", "impact": "High"}), scale=5).register[0].score == 25


def test_level_boundaries() -> None:
    assert [level_of(s, 3) for s in (2, 3, 4, 6)] == ["Low", "Medium", "Medium", "High"]
    assert [level_of(s, 5) for s in (4, 5, 12, 15)] == ["Low", "Medium", "Medium", "High"]


def test_register_is_sorted_by_score_keeping_input_order_among_equals() -> None:
    summary = analyse_risks(risks(
        {"id": "A", "probability": "Low", "impact": "High"},       # 3
        {"id": "B", "probability": "High", "impact": "High"},      # 9
        {"probability": "High", "impact": "Low"},                  # 3, no id
        {"id": "D", "probability": "Medium", "impact": "High"},    # 6
    ))
    assert [(r.id, r.score, r.index) for r in summary.register] == [("B", 9, 2), ("D", 6, 4), ("A", 3, 1),
                                                                     ("risk 3", 3, 3)]
    assert [r.has_id for r in summary.register] == [True, True, True, False]


def test_counts_overall_and_matrix_leave_closed_risks_out() -> None:
    summary = analyse_risks(risks(
        {"id": "A", "probability": "High", "impact": "High", "status": "closed"},
        {"id": "B", "probability": "Medium", "impact": "Medium"},
        {"id": "C", "probability": "Low", "impact": "High"},
        {"id": "E", "probability": "Low", "impact": "Low"},
    ))
    assert summary.counts == {"High": 0, "Medium": 2, "Low": 1}
    assert summary.overall == "Medium" and summary.closed == 1
    # rows: probability High, Medium, Low; columns: impact Low, Medium, High
    assert summary.matrix == [[[], [], []], [[], ["B"], []], [["E"], [], ["C"]]]
    assert [r.id for r in summary.register] == ["A", "B", "C", "E"]


def test_overall_is_none_without_open_risks() -> None:
    assert analyse_risks([]).overall == "None"
    assert analyse_risks(risks({"probability": "H", "impact": "H", "status": "closed"})).overall == "None"


def test_five_point_matrix_has_five_rows_highest_probability_first() -> None:
    summary = analyse_risks(risks({"id": "X", "probability": 4, "impact": 2}), scale=5)
    assert summary.probability_labels == ("5", "4", "3", "2", "1")
    assert summary.impact_labels == ("1", "2", "3", "4", "5")
    assert summary.matrix[1][1] == ["X"]
    assert (summary.cell_score(1, 1), summary.cell_level(1, 1)) == (8, "Medium")
    assert (summary.cell_score(0, 4), summary.cell_level(0, 4)) == (25, "High")


def test_flags_name_open_high_risks_without_mitigation_or_owner() -> None:
    summary = analyse_risks(risks(
        {"id": "R1", "probability": "High", "impact": "High"},
        {"id": "R2", "probability": "High", "impact": "Medium", "mitigation": "m", "owner": "Ann"},
        {"id": "R3", "probability": "Medium", "impact": "High", "mitigation": "m"},
        {"id": "R4", "probability": "Medium", "impact": "Medium"},
        {"id": "R5", "probability": "High", "impact": "High", "status": "closed"},
    ))
    assert summary.flags == [
        "R1 (High, score 9) has no mitigation: say how it will be reduced or handled",
        "R1 (High, score 9) has no owner: name the person who watches it",
        "R3 (High, score 6) has no owner: name the person who watches it",
    ]


def test_contingency_scales_with_score_and_is_capped() -> None:
    two = analyse_risks(risks({"id": "A", "probability": "High", "impact": "High"},
                              {"id": "B", "probability": "Medium", "impact": "High"},
                              {"id": "C", "probability": "Medium", "impact": "Medium"}))
    result = contingency(two, high_risk_percent=15, max_percent=50)
    assert result.percent == pytest.approx(15 + 10) and result.risks == ("A", "B")
    assert contingency(two, high_risk_percent=40, max_percent=50).percent == 50
    assert contingency(two, high_risk_percent=0, max_percent=50).percent == 0
    five = analyse_risks(risks({"id": "A", "probability": 5, "impact": 3}), scale=5)
    assert contingency(five, high_risk_percent=15, max_percent=50).percent == pytest.approx(15 * 15 / 25)


def test_numbers_need_the_five_point_scale(tmp_path: Path) -> None:
    path = write_inputs(tmp_path, {"issue": {"number": 1, "title": "t"},
                                   "risks": [{"risk": "r", "probability": 4, "impact": "High"}]})
    with pytest.raises(InputError, match="set risk_scale: 5"):
        load_path(path)
    ok = write_inputs(tmp_path, {"issue": {"number": 1, "title": "t"}, "risk_scale": 5,
                                 "risks": [{"risk": "r", "probability": 4, "impact": "High"}]}, "ok.yaml")
    assert analyse_risks(load_path(ok).risks, 5).register[0].score == 20
