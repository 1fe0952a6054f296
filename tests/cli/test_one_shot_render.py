"""What a one-shot `techplan render` loads: none of the heavy libraries an ordinary plan does not need
(numpy alone was a quarter of the command's time), and still the golden plan, byte for byte."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from golden import AS_OF, SEED
from helpers import BUNDLED_EXAMPLE

HEAVY = ("numpy", "matplotlib", "papermill", "nbclient", "nbformat", "jupyter_client", "ipywidgets", "holidays")


def render_in_a_new_interpreter(inputs: Path, output: Path) -> set[str]:
    script = ("import sys; from techplan_nb.cli.main import main; "
              f"code = main(['render', {str(inputs)!r}, '--as-of', {AS_OF.isoformat()!r}, '--seed', '{SEED}', "
              f"'-o', {str(output)!r}]); "
              f"print('LOADED', *sorted(m for m in {HEAVY!r} if m in sys.modules)); sys.exit(code)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    line = next(line for line in result.stdout.splitlines() if line.startswith("LOADED"))
    return set(line.split()[1:])


def test_render_of_the_example_loads_no_heavy_library_and_writes_its_golden_plan(tmp_path: Path) -> None:
    output = tmp_path / "plan.md"
    assert render_in_a_new_interpreter(BUNDLED_EXAMPLE, output) == set()
    assert output.read_bytes() == BUNDLED_EXAMPLE.with_suffix(".plan.md").read_bytes()


def test_a_process_rendering_plan_after_plan_loads_numpy_once_plain_python_would_cost_more() -> None:
    # The example is 13 network nodes x 10,000 runs: two renders fit the plain-Python budget, the
    # third would not, so it imports numpy and every later one uses it (about 1 ms, not 10).
    script = ("import sys, datetime; from techplan_nb.inputs import load_path; from techplan_nb.render import "
              f"render_plan; plan = load_path({str(BUNDLED_EXAMPLE)!r}); seen = []\n"
              "for _ in range(4):\n"
              "    seen.append((render_plan(plan, as_of=datetime.date(2026, 11, 20)), 'numpy' in sys.modules))\n"
              "print('NUMPY', *[loaded for _, loaded in seen]); print('SAME', len({text for text, _ in seen}))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert "NUMPY False False True True" in result.stdout
    assert "SAME 1" in result.stdout


def test_main_called_in_process_restores_the_collector_as_it_found_it(tmp_path: Path) -> None:
    import gc

    from techplan_nb.cli.main import main

    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    assert main(["render", str(BUNDLED_EXAMPLE), "--as-of", AS_OF.isoformat(), "-o", str(tmp_path / "plan.md")]) == 0
    assert (gc.get_threshold(), gc.get_freeze_count()) == (thresholds, frozen)


def test_the_program_leaves_what_it_loaded_out_of_the_collection_at_exit(tmp_path: Path) -> None:
    # `techplan` (main() reading sys.argv) exits next: a last full collection over everything the
    # command loaded would only cost time (~25 ms of a render).
    script = ("import gc, sys; from techplan_nb.cli.main import main; "
              f"sys.argv = ['techplan', 'render', {str(BUNDLED_EXAMPLE)!r}, '-o', {str(tmp_path / 'plan.md')!r}]; "
              "code = main(); print('FROZEN', gc.get_freeze_count() > 10_000, gc.get_threshold()[0]); sys.exit(code)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert "FROZEN True 700" in result.stdout


def command_parsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(commands.choices)


def test_each_command_is_looked_up_in_the_module_that_registers_it() -> None:
    from techplan_nb.cli.main import COMMAND_MODULES, _command_modules

    registered = {}
    for module in _command_modules():
        commands = argparse.ArgumentParser().add_subparsers()
        module.register(commands)
        registered.update(dict.fromkeys(commands.choices, module.__name__.rpartition(".")[2]))
    assert COMMAND_MODULES == registered


def test_a_command_parsed_alone_has_the_whole_parsers_arguments_help_and_errors() -> None:
    from techplan_nb.cli.main import COMMAND_MODULES, build_parser

    whole = command_parsers(build_parser())
    for command in COMMAND_MODULES:
        alone = command_parsers(build_parser(command))[command]
        assert alone.format_help() == whole[command].format_help(), command
        assert alone.format_usage() == whole[command].format_usage(), command
