"""Risk analysis: probability x impact scores, levels, the matrix, a summary and flags.

Pure: no clock, no disk, no Jupyter.

Scales (the README documents them):

* ``risk_scale: 3`` (default): High 3, Medium 2, Low 1. Score 1-9; Low 1-2, Medium 3-4, High 6-9.
* ``risk_scale: 5``: probability and impact are 1-5 (or High 5, Medium 3, Low 1). Score 1-25;
  Low 1-4, Medium 5-12, High 15-25. The words sit at the ends and middle of the scale so that a
  risk written in words gets the same level on either scale.

Only open risks count towards the levels, the overall risk, the matrix and the flags; closed
risks stay in the register (with their status) so the plan still shows them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .model import Risk

LEVEL_ORDER = ("High", "Medium", "Low")
WORD_VALUES = {3: {"Low": 1, "Medium": 2, "High": 3}, 5: {"Low": 1, "Medium": 3, "High": 5}}
BANDS = {3: ((6, "High"), (3, "Medium"), (1, "Low")), 5: ((15, "High"), (5, "Medium"), (1, "Low"))}
BAND_TEXT = {3: "Low 1-2, Medium 3-4, High 6-9", 5: "Low 1-4, Medium 5-12, High 15-25"}
WORDS_TEXT = {3: "High 3, Medium 2, Low 1", 5: "1-5, or High 5, Medium 3, Low 1"}


def max_score(scale: int) -> int:
    return scale * scale


def value_of(rating: str | int, scale: int) -> int:
    """A probability or impact as a number on the scale (words mapped, numbers kept)."""
    if isinstance(rating, int):
        return rating
    return WORD_VALUES[scale][rating]


def level_of(score: int, scale: int) -> str:
    for floor, level in BANDS[scale]:
        if score >= floor:
            return level
    return "Low"


def risk_label(index: int, risk_id: str | None) -> str:
    """A risk's id, or "risk N" (its 1-based position in the inputs) when it has none.

    Not "#N": GitHub links "#1" to issue 1 wherever a plan is posted. The space keeps the label
    apart from every id (ids hold none)."""
    return risk_id if risk_id else f"risk {index + 1}"


@dataclass(frozen=True)
class ScoredRisk:
    id: str                          # the risk's id, or "risk N" when it has none
    risk: str
    probability: str | int           # as written (a word, or a number on the 5-point scale)
    impact: str | int
    score: int
    level: str
    mitigation: str
    owner: str
    status: str
    index: int = 0                   # 1-based position in the inputs
    probability_value: int = 0
    impact_value: int = 0
    has_id: bool = True


@dataclass(frozen=True)
class RiskSummary:
    register: list[ScoredRisk]       # every risk, highest score first (input order among equals)
    counts: dict[str, int]           # open risks per level: "High", "Medium", "Low"
    overall: str                     # highest level among open risks, or "None"
    matrix: list[list[list[str]]]    # [probability row, High..Low][impact column, Low..High] -> ids
    flags: list[str]
    scale: int = 3
    probability_labels: tuple[str, ...] = ("High", "Medium", "Low")
    impact_labels: tuple[str, ...] = ("Low", "Medium", "High")
    closed: int = 0

    @property
    def max_score(self) -> int:
        return max_score(self.scale)

    def cell_score(self, row: int, column: int) -> int:
        """The score of a matrix cell (row 0 is the highest probability)."""
        return (self.scale - row) * (column + 1)

    def cell_level(self, row: int, column: int) -> str:
        return level_of(self.cell_score(row, column), self.scale)

    def open_high(self) -> list[ScoredRisk]:
        return [r for r in self.register if r.status == "open" and r.level == "High"]


def analyse_risks(risks: Sequence[Risk], scale: int = 3) -> RiskSummary:
    if scale not in WORD_VALUES:
        raise ValueError(f"risk_scale must be 3 or 5, got {scale}")
    scored: list[ScoredRisk] = []
    for index, risk in enumerate(risks):
        p = value_of(risk.probability, scale)
        i = value_of(risk.impact, scale)
        score = p * i
        scored.append(ScoredRisk(
            id=risk_label(index, risk.id), risk=risk.risk, probability=risk.probability, impact=risk.impact,
            score=score, level=level_of(score, scale), mitigation=risk.mitigation, owner=risk.owner,
            status=risk.status, index=index + 1, probability_value=p, impact_value=i, has_id=bool(risk.id)))
    register = sorted(scored, key=lambda r: -r.score)  # sorted() is stable: input order among equals
    open_risks = [r for r in scored if r.status == "open"]
    counts = {level: sum(1 for r in open_risks if r.level == level) for level in LEVEL_ORDER}
    overall = next((level for level in LEVEL_ORDER if counts[level]), "None")
    matrix: list[list[list[str]]] = [[[] for _ in range(scale)] for _ in range(scale)]
    for r in open_risks:
        matrix[scale - r.probability_value][r.impact_value - 1].append(r.id)
    if scale == 3:
        rows: tuple[str, ...] = ("High", "Medium", "Low")
        columns: tuple[str, ...] = ("Low", "Medium", "High")
    else:
        rows = tuple(str(v) for v in range(scale, 0, -1))
        columns = tuple(str(v) for v in range(1, scale + 1))
    return RiskSummary(register, counts, overall, matrix, _flags(register), scale, rows, columns,
                       closed=len(scored) - len(open_risks))


def _flags(register: list[ScoredRisk]) -> list[str]:
    flags: list[str] = []
    for r in register:
        if r.status != "open" or r.level != "High":
            continue
        if not r.mitigation:
            flags.append(f"{r.id} (High, score {r.score}) has no mitigation: say how it will be reduced or handled")
        if not r.owner:
            flags.append(f"{r.id} (High, score {r.score}) has no owner: name the person who watches it")
    return flags


@dataclass(frozen=True)
class Contingency:
    percent: float                   # buffer added to the P80 duration, in percent
    risks: tuple[str, ...]           # the open High risks that make it up


def contingency(summary: RiskSummary, *, high_risk_percent: float, max_percent: float) -> Contingency:
    """The schedule buffer the open High risks call for.

    Each open High risk adds high_risk_percent x score / max score of the P80 duration (so a
    High x High risk adds the full high_risk_percent, a Medium x High one on the 3-point scale
    two thirds of it); Medium and Low risks add nothing, since the three-point estimates are
    meant to carry ordinary uncertainty. The total is capped at max_percent.
    """
    high = summary.open_high()
    raw = sum(high_risk_percent * r.score / summary.max_score for r in high)
    return Contingency(round(min(raw, max_percent), 6), tuple(r.id for r in high))
