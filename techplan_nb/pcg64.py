"""numpy's default generator, `np.random.default_rng(seed).bit_generator.random_raw`, in plain Python.

The schedule's Monte Carlo draws its table indices from this stream. A one-shot `techplan render`
of an ordinary plan needs a few thousand draws: making them here, a few milliseconds, spares the
process numpy's import (about a quarter of the command's time). The stream is numpy's to the last
bit, seed for seed: SeedSequence's hash of the seed into a 128-bit state and increment, then PCG64
(XSL-RR output of a 128-bit LCG). tests/unit/test_pcg64.py holds the two equal.
"""

from __future__ import annotations

_M32 = 0xFFFF_FFFF
_M64 = (1 << 64) - 1
_M128 = (1 << 128) - 1
_PCG_MULTIPLIER = 0x2360ED051FC65DA44385DF649FCCF645

# numpy.random.SeedSequence's constants (numpy/random/bit_generator.pyx), pool of four 32-bit words.
_INIT_A, _MULT_A = 0x43B0D7E5, 0x931E8875
_INIT_B, _MULT_B = 0x8B51F9DD, 0x58F38DED
_MIX_MULT_L, _MIX_MULT_R = 0xCA01F9DD, 0x4973F715
_XSHIFT = 16
_POOL_SIZE = 4


def _uint32_words(seed: int) -> list[int]:
    words = []
    while True:
        words.append(seed & _M32)
        seed >>= 32
        if not seed:
            return words


def _seed_sequence_state(seed: int) -> list[int]:
    """SeedSequence(seed).generate_state(4, np.uint64): the four 64-bit words PCG64 is seeded with."""
    entropy = _uint32_words(seed)
    hash_const = _INIT_A

    def hashmix(value: int) -> int:
        nonlocal hash_const
        value ^= hash_const
        hash_const = (hash_const * _MULT_A) & _M32
        value = (value * hash_const) & _M32
        return value ^ (value >> _XSHIFT)

    def mix(x: int, y: int) -> int:
        result = (_MIX_MULT_L * x - _MIX_MULT_R * y) & _M32
        return result ^ (result >> _XSHIFT)

    pool = [hashmix(entropy[i] if i < len(entropy) else 0) for i in range(_POOL_SIZE)]
    for src in range(_POOL_SIZE):
        for dst in range(_POOL_SIZE):
            if src != dst:
                pool[dst] = mix(pool[dst], hashmix(pool[src]))
    for src in range(_POOL_SIZE, len(entropy)):
        for dst in range(_POOL_SIZE):
            pool[dst] = mix(pool[dst], hashmix(entropy[src]))
    hash_b = _INIT_B
    words = []
    for i in range(8):
        value = pool[i % _POOL_SIZE] ^ hash_b
        hash_b = (hash_b * _MULT_B) & _M32
        value = (value * hash_b) & _M32
        words.append(value ^ (value >> _XSHIFT))
    return [words[2 * i] | (words[2 * i + 1] << 32) for i in range(4)]  # little-endian pairs


class PCG64:
    """The raw 64-bit stream of `numpy.random.default_rng(seed)` (a non-negative int seed)."""

    __slots__ = ("_state", "_increment")

    def __init__(self, seed: int) -> None:
        if seed < 0:
            raise ValueError("the seed must be a non-negative integer")
        words = _seed_sequence_state(seed)
        initial_state = (words[0] << 64) | words[1]
        sequence = (words[2] << 64) | words[3]
        # pcg_setseq_128_srandom_r: state 0, step, add the initial state, step.
        self._increment = ((sequence << 1) | 1) & _M128
        state = (initial_state + self._increment) & _M128
        self._state = (state * _PCG_MULTIPLIER + self._increment) & _M128

    def random_raw(self, count: int) -> list[int]:
        """The next `count` 64-bit outputs, as `bit_generator.random_raw(count)` gives them."""
        state, increment = self._state, self._increment
        out = [0] * count
        for i in range(count):
            state = (state * _PCG_MULTIPLIER + increment) & _M128
            folded = ((state >> 64) ^ state) & _M64
            rotation = state >> 122
            out[i] = ((folded >> rotation) | (folded << (64 - rotation))) & _M64
        self._state = state
        return out
