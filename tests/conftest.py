"""Fixtures shared by every suite; the helpers themselves live in helpers.py (import them from there)."""

from __future__ import annotations

from typing import Any

import pytest

from helpers import example_data


@pytest.fixture
def example_dict() -> dict[str, Any]:
    return example_data()
