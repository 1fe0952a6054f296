"""techplan_nb.pcg64 gives numpy's default_rng stream, seed for seed, to the last bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from techplan_nb.pcg64 import PCG64


@pytest.mark.parametrize("seed", [0, 1, 2, 7, 12_345, 2**32 - 1, 2**32, 2**40 + 17, 2**64 + 3, 2**127 + 5,
                                  2**200 + 1])
def test_the_raw_stream_is_numpys_for_one_word_and_many_word_seeds(seed: int) -> None:
    expected = np.random.default_rng(seed).bit_generator.random_raw(2_000).tolist()
    assert PCG64(seed).random_raw(2_000) == expected


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=2**96), st.lists(st.integers(min_value=0, max_value=9), max_size=5))
def test_draws_taken_in_pieces_continue_the_same_stream(seed: int, pieces: list[int]) -> None:
    numpy_bits = np.random.default_rng(seed).bit_generator
    ours = PCG64(seed)
    for count in pieces:
        assert ours.random_raw(count) == numpy_bits.random_raw(count).tolist()


def test_a_negative_seed_is_refused_as_numpy_refuses_it() -> None:
    with pytest.raises(ValueError):
        np.random.default_rng(-1)
    with pytest.raises(ValueError, match="non-negative"):
        PCG64(-1)
