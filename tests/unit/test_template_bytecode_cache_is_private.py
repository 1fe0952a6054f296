"""Compiled templates are cached on disk and run from there; a cache folder that someone else
could have written to is not used (issue 14: only the person running techplan chooses the code)."""

from __future__ import annotations

import os
from pathlib import Path

import jinja2
import pytest

from techplan_nb import render


def cache_folder() -> Path:
    made = render._bytecode_cache()
    assert isinstance(made, jinja2.FileSystemBytecodeCache)
    return Path(made.directory)


def test_a_private_cache_folder_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    folder = cache_folder()
    assert folder.is_relative_to(tmp_path) and folder.stat().st_mode & 0o077 == 0


def test_a_cache_folder_others_may_write_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    folder = cache_folder()
    os.chmod(folder, 0o777)
    assert render._bytecode_cache() is None


def test_a_link_in_place_of_the_cache_folder_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    folder = cache_folder()
    folder.rmdir()
    elsewhere = tmp_path / "planted"
    elsewhere.mkdir(mode=0o700)
    folder.symlink_to(elsewhere, target_is_directory=True)
    assert render._bytecode_cache() is None
