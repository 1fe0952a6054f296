"""nbval settings for the committed notebooks: compare outputs after the sanitizing in
nbval-sanitize.cfg (unless the command line names another file)."""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    if getattr(config.option, "nbval_sanitize_with", "absent") is None:
        config.option.nbval_sanitize_with = str(Path(__file__).with_name("nbval-sanitize.cfg"))
