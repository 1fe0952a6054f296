"""The Monte Carlo without numpy (what a one-shot `techplan render` runs) gives numpy's floats, bit for bit:
the same samples, percentiles and mean, so a plan's bytes never depend on which one ran."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from techplan_nb.inputs import load_path
from techplan_nb.model import Timeline
from techplan_nb.schedule import (
    _SHAPES,
    _quantile_tables,
    _table_indices_by_arithmetic,
    _table_row,
    check,
    compute_quantile_tables,
    percentiles,
    plain_mean,
    plain_percentiles,
    simulate_finish,
    simulate_finish_plain,
)

from helpers import BUNDLED_EXAMPLE


def same_bits(plain: list[float], numpy_result: np.ndarray) -> bool:
    return np.array(plain, dtype=float).tobytes() == numpy_result.tobytes()


@st.composite
def timelines(draw: Any) -> Timeline:
    """Phases of tasks with fixed, ranged and three-point estimates (every table row), waiting on
    earlier tasks or phases in any pattern the inputs allow."""
    ids: list[str] = []
    phases = []
    for p in range(draw(st.integers(1, 4))):
        tasks = []
        for _ in range(draw(st.integers(0, 4))):
            ident = f"t{len(ids)}"
            low = draw(st.sampled_from([0.5, 1, 2, 3.25]))
            kind = draw(st.sampled_from(["fixed", "range", "three"]))
            if kind == "fixed":
                estimate: Any = low
            elif kind == "range":
                estimate = f"{low}-{low + draw(st.sampled_from([0.5, 1, 4]))}"
            else:
                high = low + draw(st.sampled_from([0.1, 1, 7]))
                mode = low + (high - low) * draw(st.floats(0, 1))
                estimate = {"optimistic": low, "likely": mode, "pessimistic": high}
            task: dict[str, Any] = {"id": ident, "name": ident, "estimate": estimate}
            if ids and draw(st.booleans()):
                task["depends_on"] = draw(st.lists(st.sampled_from(ids), max_size=3, unique=True))
            tasks.append(task)
            ids.append(ident)
        phase: dict[str, Any] = {"id": f"p{p}", "name": f"Phase {p}", "tasks": tasks}
        if not tasks:
            phase["estimate"] = draw(st.sampled_from([1, "2-5", {"optimistic": 1, "likely": 4, "pessimistic": 5}]))
        if p and draw(st.booleans()):
            phase["depends_on"] = draw(st.lists(st.sampled_from([f"p{q}" for q in range(p)]), max_size=2,
                                                unique=True))
        phases.append(phase)
    return Timeline.model_validate({"phases": phases})


@settings(max_examples=150, deadline=None)
@given(timelines(), st.integers(1, 700), st.integers(0, 2**40))
def test_plain_python_simulates_the_same_samples_as_numpy(timeline: Timeline, samples: int, seed: int) -> None:
    network = check(timeline)
    plain = simulate_finish_plain(network, samples, seed)
    numpy_finish = simulate_finish(network, samples, seed)
    assert same_bits(plain, numpy_finish)
    assert plain_mean(plain) == float(numpy_finish.mean())
    qs = (50, 80, 90)
    assert plain_percentiles(plain, qs) == [float(x) for x in percentiles(numpy_finish, qs)]


@pytest.mark.parametrize("samples", [10_000, 10_003, 100_000])
def test_the_example_plan_simulates_the_same_either_way(samples: int) -> None:
    network = check(load_path(BUNDLED_EXAMPLE).timeline)
    plain = simulate_finish_plain(network, samples, 0)
    numpy_finish = simulate_finish(network, samples, 0)
    assert same_bits(plain, numpy_finish)
    assert plain_mean(plain) == float(numpy_finish.mean())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=300),
       st.lists(st.floats(min_value=0, max_value=100), min_size=1, max_size=4))
def test_plain_percentiles_and_mean_equal_numpys_to_the_last_bit(values: list[float], qs: list[float]) -> None:
    array = np.array(values)
    assert np.array(plain_percentiles(values, qs)).tobytes() == np.percentile(array, qs).tobytes()
    assert plain_mean(values) == float(array.mean())


@pytest.mark.parametrize("n", [1, 7, 8, 9, 127, 128, 129, 1_000, 8_192, 8_193, 100_001])
def test_plain_mean_adds_in_numpys_pairwise_order(n: int) -> None:
    # Values of very different sizes: any other order of additions rounds differently.
    values = np.random.default_rng(n).lognormal(0.0, 6.0, size=n)
    assert plain_mean(values.tolist()) == float(values.mean())


def test_the_arithmetic_index_split_equals_the_little_endian_view() -> None:
    raw = np.random.default_rng(3).bit_generator.random_raw(25)
    expected = (raw.astype("<u8").view("<u2") >> 4).tolist()
    for samples in (1, 97, 99, 100):
        assert _table_indices_by_arithmetic(raw.tolist(), samples) == expected[:samples]


def test_the_shipped_quantile_tables_are_the_formulas_and_increase() -> None:
    shipped = _quantile_tables()
    # The file is numpy's result on one machine; another CPU's np.power may differ in the last bits.
    np.testing.assert_allclose(shipped, compute_quantile_tables(), rtol=0, atol=1e-13)
    assert (np.diff(shipped, axis=1) >= 0).all()
    for j in range(_SHAPES):
        assert np.array(_table_row(j)).tobytes() == shipped[j].tobytes()
