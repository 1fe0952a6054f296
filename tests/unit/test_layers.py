"""The package's layering, written down and checked: a module imports only from its own layer or
lower ones, counting imports inside functions too (they are how cycles used to hide), and no two
modules import each other, directly or round a longer loop.

A new module must be given a layer here; the failure message says which layer and why.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from helpers import ROOT

PACKAGE = ROOT / "techplan_nb"

# Lowest first. A module may import from its own layer and any layer before it.
LAYERS: list[tuple[str, list[str]]] = [
    # The bounded reader is a leaf every layer reads files through (templates, plans, inputs).
    ("errors", ["techplan_nb", "errors", "safe_files"]),
    # String-in/string-out Markdown helpers the model's validators already need.
    ("text", ["mdescape", "verbatim", "numfmt"]),
    ("core", ["model", "rules", "risk", "schedule", "pcg64", "analysis", "plain", "workflow", "schema"]),
    # Bytes in, PlanInput out: pure, and what importers validate their result with.
    ("inputs loader", ["inputs", "inputs_partial"]),
    ("plan format", ["plan_format", "update", "importers.mdtext"]),
    ("render / lint / importers", ["render", "plan_view", "charts", "analysis_view", "lint", "html_export",
                                   "importers"]),
    # records: the run's error, result and audit record; standard library only.
    ("io", ["output", "inputs_dump", "inputs_edit", "plan_folder", "index", "isolation", "records"]),
    ("execution and kernel cells", ["runner", "batch", "cluster", "audit", "notebook"]),
    ("services", ["services"]),
    ("cli / widgets / app", ["cli", "widgets", "voila_app", "__main__"]),
]

# Deliberate exceptions, each with its reason. Keep this list short.
ALLOWED: dict[tuple[str, str], str] = {
    ("notebook", "widgets"): "the interactive form is the notebook's input source when inputs_path is empty "
                             "(load_or_form imports it then, and only then); widgets never import notebook",
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) if parts else "techplan_nb"


def layer_of(module: str) -> tuple[int, str]:
    best: tuple[int, int, str] | None = None  # (prefix length, layer index, layer name)
    for index, (name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), index, name)
    assert best is not None, f"techplan_nb.{module} has no layer: add it to LAYERS in tests/unit/test_layers.py"
    return best[1], best[2]


def imports(path: Path) -> list[tuple[str, int, bool]]:
    """(imported techplan_nb module, line, at module level) for every import in the file."""
    tree = ast.parse(path.read_text("utf-8"))
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: list[tuple[str, int, bool]] = []
    top_level = {id(node) for node in tree.body}
    type_only = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only.update(id(child) for child in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue  # annotations only: no import at run time, and no cycle
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".") if package and package != "techplan_nb" else []
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                start = ".".join(base + ([node.module] if node.module else []))
            else:
                if not (node.module or "").startswith("techplan_nb"):
                    continue
                start = (node.module or "")[len("techplan_nb"):].lstrip(".")
            if node.module is None or node.level == 0 or True:
                # `from . import x` may import a submodule x
                for alias in node.names:
                    candidate = f"{start}.{alias.name}" if start else alias.name
                    names.append(candidate if _exists(candidate) else start)
        for name in names:
            if name.startswith("techplan_nb."):
                name = name[len("techplan_nb."):]
            elif name == "techplan_nb":
                name = ""
            elif isinstance(node, ast.Import):
                continue
            target = name or "techplan_nb"
            while target != "techplan_nb" and not _exists(target):
                target = target.rpartition(".")[0] or "techplan_nb"
            found.append((target, node.lineno, id(node) in top_level))
    return found


def _exists(module: str) -> bool:
    if module == "techplan_nb":
        return True
    path = PACKAGE.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def graph() -> dict[str, list[tuple[str, int, bool]]]:
    return {module_name(path): imports(path) for path in sorted(PACKAGE.rglob("*.py"))}


def test_every_module_imports_only_from_its_layer_or_below() -> None:
    problems = []
    for module, found in graph().items():
        index, name = layer_of(module)
        for target, line, _ in found:
            if target == module:
                continue
            target_index, target_name = layer_of(target)
            allowed = any(module.split(".")[0] == a and target.split(".")[0] == b for a, b in ALLOWED)
            if target_index > index and not allowed:
                problems.append(f"techplan_nb/{module.replace('.', '/')}.py:{line}: {module} (layer {name!r}) "
                                f"imports {target} (layer {target_name!r}), a higher layer")
    assert not problems, "layering broken:\n" + "\n".join(problems)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for child in sorted(edges.get(node, ())):
            if child not in index:
                visit(child)
                low[node] = min(low[node], low[child])
            elif child in on_stack:
                low[node] = min(low[node], index[child])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def _edges(*, module_level_only: bool) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for module, found in graph().items():
        for target, _, top in found:
            # A package's __init__ importing its own submodules (and they the package) is not a cycle
            # between modules of the design.
            if target == module or target.startswith(module + ".") or module.startswith(target + "."):
                continue
            if target == "techplan_nb":
                continue  # techplan_nb/__init__.py holds the version only
            if top or not module_level_only:
                edges.setdefault(module, set()).add(target)
    return edges


def test_no_import_cycles_at_module_level() -> None:
    assert _cycles(_edges(module_level_only=True)) == []


def test_no_import_cycles_even_through_imports_inside_functions() -> None:
    cycles = _cycles(_edges(module_level_only=False))
    assert cycles == [], "import cycles (function-level imports included): " + "; ".join(
        " <-> ".join(cycle) for cycle in cycles)


def test_a_layer_violation_names_both_layers_and_the_import() -> None:
    index, name = layer_of("model")
    target_index, target_name = layer_of("runner")
    assert (name, target_name) == ("core", "execution and kernel cells") and index < target_index


def test_only_plan_folder_spells_the_plan_file_name() -> None:
    pattern = re.compile(r"[\"']technical-plan\.md[\"']")
    spelled = sorted(str(path.relative_to(ROOT)) for path in PACKAGE.rglob("*.py")
                     if pattern.search(path.read_text("utf-8")))
    assert spelled == ["techplan_nb/plan_folder.py"]
