"""Pipes, devices, sockets, huge files, odd names and YAML bombs given as files (issue 14,
classes 8 and 11): refused at once with exit 2 naming the file, never a hang, nothing written.

Every reader goes through safe_files.read_capped; these drive each command that reads a file.
"""

from __future__ import annotations

import os
import resource
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import AS_OF, BUNDLED_EXAMPLE, files_under, run_techplan, run_techplan_process

# (command and arguments, with {f} for the file under test)
READERS = [
    ["validate", "{f}"],
    ["render", "{f}"],
    ["run", "{f}", "--out", "out"],
    ["import", "markdown", "{f}"],
    ["import", "github", "{f}"],
    ["import", "github", "issue.json", "--mapping", "{f}"],
    ["check", "{f}"],
    ["run", "inputs.yaml", "--out", "out", "--template", "{f}"],
    ["run", "inputs.yaml", "--out", "out", "--notebook", "{f}"],
]
IDS = [" ".join(a for a in args if a != "{f}")[:40] for args in READERS]


@pytest.fixture
def work(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "inputs.yaml").write_bytes(BUNDLED_EXAMPLE.read_bytes())
    (tmp_path / "issue.json").write_text('{"number": 5, "title": "Five", "body": "text"}', "utf-8")
    yield tmp_path


def argv(args: list[str], path: Path | str) -> list[str]:
    return [str(path) if a == "{f}" else a for a in args]


@pytest.mark.parametrize("args", READERS, ids=IDS)
def test_a_fifo_is_refused_at_once_not_waited_on(args: list[str], work: Path) -> None:
    os.mkfifo(work / "pipe.yaml")
    before = files_under(work)
    started = time.monotonic()
    # A real process: a regression would block open() for ever, and only a timeout stops that.
    result = run_techplan_process(*argv(args, "pipe.yaml"), cwd=work, timeout=60)
    assert time.monotonic() - started < 30
    assert result.returncode == 2, result.stderr
    assert "pipe.yaml" in result.stderr and "not a regular file" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert files_under(work) == before


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
@pytest.mark.parametrize("args", READERS, ids=IDS)
def test_a_device_is_refused_without_reading_it(args: list[str], device: str, work: Path) -> None:
    result = run_techplan(*argv(args, device), cwd=work)
    assert result.returncode == 2, result.stderr
    assert f"{device}: " in result.stderr and "not a regular file" in result.stderr, result.stderr
    assert not (work / "out").exists()


@pytest.mark.parametrize("args", READERS, ids=IDS)
def test_a_socket_is_refused_naming_it(args: list[str], work: Path) -> None:
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(work / "sock.yaml"))
        result = run_techplan(*argv(args, "sock.yaml"), cwd=work)
    assert result.returncode == 2, result.stderr
    assert "sock.yaml: " in result.stderr and ("socket" in result.stderr or "not a regular file" in result.stderr)


@pytest.mark.parametrize("args", READERS, ids=IDS)
def test_a_50_mb_sparse_file_is_refused_from_its_size_quickly(args: list[str], work: Path) -> None:
    big = work / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(50 * 2**20)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    result = run_techplan(*argv(args, big), cwd=work)
    assert time.monotonic() - started < 10
    assert result.returncode == 2, result.stderr
    assert "big.yaml" in result.stderr and ("larger than" in result.stderr or "over 1,048,576" in result.stderr)
    # ru_maxrss is in KiB on Linux: the process never held the 50 MB.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 30 * 1024


def test_the_mapping_alias_bomb_is_refused_fast_in_little_memory(work: Path) -> None:
    levels = ['  a: &a ["x","x","x","x","x","x","x","x","x"]'] + [
        f"  {b}: &{b} [{','.join(['*' + a] * 9)}]" for a, b in zip("abcdefgh", "bcdefghi", strict=True)]
    (work / "bomb.yaml").write_text("headings:\n" + "\n".join(levels) + "\n", "utf-8")
    assert (work / "bomb.yaml").stat().st_size < 600
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    result = run_techplan("import", "github", "issue.json", "--mapping", "bomb.yaml", cwd=work)
    assert time.monotonic() - started < 5
    assert result.returncode == 2
    assert result.stderr.startswith("bomb.yaml:2: ") and "aliases" in result.stderr, result.stderr
    assert len(result.stderr) < 500
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024


def test_a_mapping_with_many_bad_targets_lists_a_bounded_number_of_them(work: Path) -> None:
    lines = [f"  Heading {n}: {'x' * 1000}" for n in range(900)]
    (work / "mapping.yaml").write_text("headings:\n" + "\n".join(lines) + "\n", "utf-8")
    result = run_techplan("import", "github", "issue.json", "--mapping", "mapping.yaml", cwd=work)
    assert result.returncode == 2
    assert "more problems" in result.stderr
    assert len(result.stderr) < 100_000


def test_a_name_that_is_not_utf8_is_refused_by_run_before_any_kernel(work: Path) -> None:
    name = os.fsdecode(b"\xff.yaml")
    (work / name).write_bytes(BUNDLED_EXAMPLE.read_bytes())
    before = files_under(work)
    result = run_techplan("run", name, "--out", "out", "--as-of", AS_OF, cwd=work)
    assert result.returncode == 2, result.stderr
    assert "\\xff.yaml" in result.stderr and "not valid UTF-8" in result.stderr and "rename" in result.stderr
    assert files_under(work) == before


def test_a_name_with_a_newline_is_printed_escaped_on_one_line(work: Path) -> None:
    (work / "bad\nname.yaml").write_text("issue: [\n", "utf-8")
    result = run_techplan("validate", "bad\nname.yaml", cwd=work)
    assert result.returncode == 2
    assert result.stderr.startswith("bad\\nname.yaml:"), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_link_loop_is_named_as_one(work: Path) -> None:
    (work / "loop.yaml").symlink_to("loop.yaml")
    result = run_techplan("validate", "loop.yaml", cwd=work)
    assert result.returncode == 2
    assert "loop.yaml" in result.stderr and "link loop" in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its mode; the contract suite "
                    "(tests/cli/test_cli_contract.py) covers unreadable files as `nobody` through setpriv")
def test_an_unreadable_file_is_refused_naming_it(work: Path) -> None:
    (work / "inputs.yaml").chmod(0)
    result = run_techplan("validate", "inputs.yaml", cwd=work)
    assert result.returncode == 2
    assert "inputs.yaml" in result.stderr and "permission denied" in result.stderr


@pytest.mark.parametrize("kind", ["fifo", "link-to-dev-zero", "50-MB"])
def test_the_template_bundle_hash_refuses_a_special_file_beside_the_template(tmp_path: Path, kind: str) -> None:
    """The audit record hashes every *.j2 beside a team template; a pipe there hung the run and a
    link to /dev/zero read until the kernel's memory ran out (issue 14, round 3)."""
    from techplan_nb.errors import UsageError
    from techplan_nb.notebook import template_bundle_sha256

    team = tmp_path / "team.md.j2"
    team.write_text("{% extends 'technical-plan.md.j2' %}\n", "utf-8")
    odd = tmp_path / "zz.j2"
    if kind == "fifo":
        os.mkfifo(odd)
    elif kind == "link-to-dev-zero":
        odd.symlink_to("/dev/zero")
    else:
        with odd.open("wb") as handle:
            handle.truncate(50 * 2**20)
    with pytest.raises(UsageError, match="zz.j2: is"):
        template_bundle_sha256(team)


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_an_output_path_that_is_a_link_is_refused_and_its_target_never_copied(tmp_path: Path,
                                                                               force: list[str]) -> None:
    """`-o plan.md` where plan.md is a link (a repository can hold one): --force copied its target
    (~/.ssh/id_rsa, say) into plan.md.bak beside the plan (issue 14, round 3)."""
    secret = tmp_path / "id_rsa"
    secret.write_text("SECRET-KEY\n", "utf-8")
    work = tmp_path / "work"
    work.mkdir()
    (work / "plan.md").symlink_to(secret)
    result = run_techplan("render", BUNDLED_EXAMPLE, "-o", work / "plan.md", "--as-of", AS_OF, *force)
    assert result.returncode == 2, result.stderr
    assert "plan.md: is a symbolic link" in result.stderr
    assert sorted(p.name for p in work.iterdir()) == ["plan.md"] and (work / "plan.md").is_symlink()
    assert secret.read_text("utf-8") == "SECRET-KEY\n"
