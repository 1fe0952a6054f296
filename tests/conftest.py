"""Fixtures shared by every suite; the helpers themselves live in helpers.py (import them from there)."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any

import pytest

from helpers import ROOT, SHARED, example_data


@pytest.fixture
def example_dict() -> dict[str, Any]:
    return example_data()


# `make test` writes only into temporary folders. In CI (or with TECHPLAN_CHECK_WRITES=1) the session
# fails when a test left a new or changed file in the checkout or in shared/ beside it; caches that
# tools keep beside the code (bytecode, pytest's and hypothesis's) are not outputs. Off by default,
# so that editing code while the suite runs is not reported.
_CACHES = {".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", ".mypy_cache", ".ruff_cache"}
_checkout_before: dict[str, int] = {}


def _checkout_files() -> dict[str, int]:
    found: dict[str, int] = {}
    # shared/ beside the checkout too: the example inputs the tests read live there.
    for folder, subfolders, names in (entry for top in (ROOT, SHARED) for entry in os.walk(top)):
        subfolders[:] = [name for name in subfolders if name not in _CACHES]
        for name in names:
            path = os.path.join(folder, name)
            with contextlib.suppress(OSError):
                found[path] = os.lstat(path).st_mtime_ns
    return found


def _checking_writes() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("TECHPLAN_CHECK_WRITES"))


def pytest_sessionstart(session: pytest.Session) -> None:
    if _checking_writes():
        _checkout_before.update(_checkout_files())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _checking_writes():
        return
    after = _checkout_files()
    written = sorted(path for path, stamp in after.items() if _checkout_before.get(path) != stamp)
    if written:
        shown = "\n  ".join(os.path.relpath(path, ROOT) for path in written[:20])
        print(f"\nthe tests wrote {len(written)} file(s) into the checkout (write into tmp_path instead):\n  {shown}",
              file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
