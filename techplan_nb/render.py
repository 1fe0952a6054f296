"""Render a PlanInput into Markdown with a sandboxed, strict Jinja2 environment.

Pure apart from reading template files: no clock (as_of is passed in), no Jupyter. User text is
escaped for Markdown by default (the environment's finalize); filters mark text already made safe.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import operator
import os
import re
import stat
import sys
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from types import BuiltinMethodType, FunctionType, MethodType
from typing import Any

import jinja2
import jinja2.bccache
import jinja2.compiler
import jinja2.runtime
import jinja2.utils
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from . import mdescape
from .errors import RenderError
from .mdescape import SafeMarkdown
from .model import PlanInput
from .plan_view import build_context, has_any

DEFAULT_TEMPLATE = "technical-plan.md.j2"


def default_template_dir() -> Path:
    """Templates ship inside the wheel as techplan_nb/templates; a checkout keeps them at top level."""
    packaged = Path(__file__).with_name("templates")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "templates"


def _finalize(value: Any) -> Any:
    if value is None:
        raise RenderError("the template printed an empty value (None); guard it with `if` or `default`")
    if isinstance(value, Markup):  # our filters' output, or a macro's
        return value
    if isinstance(value, (int, float, dt.date)) and not isinstance(value, bool):
        return SafeMarkdown(value)
    return mdescape.inline(value)


class _CodeGenerator(jinja2.compiler.CodeGenerator):
    """Prints `{{ value }}` as `finalize(value)` where Jinja writes `escape(finalize(value))`.

    Our finalize already returns Markup for everything it lets through, so that escape only made
    a copy of it: about 400 copies a plan. Where autoescaping is switched off or decided at run
    time (a team template's `{% autoescape %}` blocks), Jinja's own code is kept.
    """

    def _output_child_pre(self, node: Any, frame: Any, finalize: Any) -> None:
        if self._finalize_is_escape(frame, finalize):
            self.write(finalize.src)
        else:
            super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node: Any, frame: Any, finalize: Any) -> None:
        if self._finalize_is_escape(frame, finalize):
            self.write(")")
        else:
            super()._output_child_post(node, frame, finalize)

    def _finalize_is_escape(self, frame: Any, finalize: Any) -> bool:
        return (finalize.src == "environment.finalize(" and self.environment.finalize is _finalize
                and not frame.eval_ctx.volatile and frame.eval_ctx.autoescape)


class _QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates cached on disk (keyed by source checksum): compiling the default
    template costs a one-shot `techplan render` more than everything else it does. A cache that
    cannot be read or written is simply not used."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, ValueError, EOFError):
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


# Bumped when _CodeGenerator changes what it writes: cached code from another generator is not used.
_GENERATOR_VERSION = 1


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    python = f"py{sys.version_info[0]}{sys.version_info[1]}"
    folder = os.path.join(base, "techplan-nb", f"jinja-{jinja2.__version__}-{python}-g{_GENERATOR_VERSION}")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        state = os.lstat(folder)
    except OSError:
        return None
    # The cache holds compiled code that renders run. A folder another user owns or may write to
    # (a shared XDG_CACHE_HOME, a link planted in its place) could feed us theirs: not used.
    if stat.S_ISLNK(state.st_mode) or state.st_uid != os.getuid() or state.st_mode & 0o022:
        return None
    return _QuietBytecodeCache(folder)


_TEXT_METHODS = frozenset({"format", "join", "startswith", "endswith", "lower", "upper", "title", "capitalize",
                           "strip", "lstrip", "rstrip", "replace", "split", "rsplit", "splitlines", "count",
                           "find"})

ALLOWED_METHODS: dict[type, frozenset[str]] = {
    dict: frozenset({"items", "keys", "values", "get"}),
    str: _TEXT_METHODS,
    SafeMarkdown: _TEXT_METHODS,
    dt.date: frozenset({"isoformat", "strftime", "weekday", "isoweekday"}),
    jinja2.runtime.LoopContext: frozenset({"cycle", "changed"}),
    jinja2.utils.Cycler: frozenset({"next", "reset"}),
}
"""The only methods a template may call, by the type of the object (the context is plain data,
techplan_nb.plain). The house templates call `get` and `strip`; the rest read or format text.
Macros, `super()`, and the filters, tests and globals registered here stay callable."""

# Callable objects Jinja itself hands to templates: macros and `caller`, `super()` and
# `self.<block>`, `joiner()`'s result, a recursive loop's `loop(children)`.
_JINJA_CALLABLES = (jinja2.runtime.Macro, jinja2.runtime.BlockReference, jinja2.utils.Joiner,
                    jinja2.runtime.LoopContext)

# A result past these sizes is a template building a bomb, not a plan.
MAX_TEXT = 16 * 1024 * 1024
MAX_EXPONENT = 1024


def _describe(obj: Any) -> str:
    target = getattr(obj, "__wrapped__", obj)  # str.format arrives wrapped by the sandbox
    owner = getattr(target, "__self__", None)
    name = getattr(target, "__name__", None) or type(obj).__name__
    if isinstance(owner, type):
        return f"the method {owner.__name__}.{name}()"
    if owner is not None and not isinstance(owner, type(sys)):
        return f"the method {type(owner).__name__}.{name}()"
    return f"{name}()"


class _PlanSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, calling only allowed methods, remembering its verdict on each attribute.

    A plan reads a few hundred attributes per render, and the sandbox's check cost more than the
    rest of the template. That check (jinja2.sandbox.is_internal_attribute, modifies_known_mutable)
    looks only at the object's type and the attribute's name, so its verdict is kept per pair.
    """

    code_generator_class = _CodeGenerator
    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._verdicts: dict[tuple[type, str], bool] = {}

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        # Macros and our section helpers are called ~150 times a plan. Neither takes the context
        # nor is marked unsafe, so the generic path (safety check, then Context.call's search for
        # pass_context markers) decides nothing for them; they are called as Context.call would.
        if type(__obj) is jinja2.runtime.Macro or (type(__obj) is FunctionType and __obj in _SECTION_HELPERS):
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
            return __obj(*args, **kwargs)
        if not __self._may_call(__obj):
            allowed = ", ".join(sorted({name for names in ALLOWED_METHODS.values() for name in names}))
            raise SecurityError(f"calling {_describe(__obj)} is not allowed in a template; templates may "
                                f"call macros, filters, the registered helpers and only these methods: {allowed}")
        return super().call(__context, __obj, *args, **kwargs)

    def _may_call(self, obj: Any) -> bool:
        if isinstance(obj, (_JINJA_CALLABLES, jinja2.runtime.Undefined)):
            return True  # an Undefined raises its own error (an unsafe attribute's SecurityError) when called
        if any(obj is value for value in self.globals.values()):
            return True
        target = getattr(obj, "__wrapped__", obj) if type(obj) is FunctionType else obj
        if isinstance(target, _METHODS):
            allowed = ALLOWED_METHODS.get(type(target.__self__))
            return allowed is not None and target.__name__ in allowed
        return False

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > MAX_EXPONENT:
            raise SecurityError(f"an exponent of {right} is too large for a template (at most {MAX_EXPONENT})")
        if operator == "*" and isinstance(left, int) and isinstance(right, (str, list)):
            left, right = right, left
        if operator == "*" and isinstance(left, (str, list)) and isinstance(right, int):
            if len(left) * right > MAX_TEXT:
                raise SecurityError(f"repeating a text or list {right} times makes more than {MAX_TEXT} items")
        return _BINOPS[operator](left, right)

    def getattr(self, obj: Any, attribute: str) -> Any:
        # A plain dict has no `__dict__`, but asking for it is still an attack. (An Undefined
        # keeps its own error: the unsafe attribute that made it, not this one.)
        if attribute[:1] == "_" and not isinstance(obj, jinja2.runtime.Undefined):
            return self.unsafe_undefined(obj, attribute)
        # Plain data: a dict's key wins over its methods, as a model's field did (`phase.items`
        # is the phase's checklist, not dict.items).
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        # The common case, a data attribute already judged safe, without the generic path's
        # str.format wrapping (which only ever applies to methods) and its second lookup.
        try:
            value = getattr(obj, attribute)
        except AttributeError:
            return super().getattr(obj, attribute)
        if not isinstance(value, _METHODS) and self.is_safe_attribute(obj, attribute, value):
            return value
        return super().getattr(obj, attribute)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        key = (type(obj), attr)
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = super().is_safe_attribute(obj, attr, value)
        return verdict


# Kept-verbatim content of imported plans (model.SectionExtra, as a plain dict), by section key.
# Python rather than Jinja macros: a plan asks for them at every heading, and a macro call costs
# ten times as much.
# The Markdown was defused when loaded (verbatim.py), so it is printed as it is.
def _section_title(extra: Mapping[str, Any], key: str, default: Any) -> SafeMarkdown:
    entry = extra.get(key)
    if entry and entry["heading"]:
        return mdescape.heading(entry["heading"])
    return SafeMarkdown(_finalize(default))  # as `{{ default }}` would print it


def _section_head(extra: Mapping[str, Any], key: str, default: Any) -> SafeMarkdown:
    """The heading as written (or the template's), then what stood before the section's content."""
    entry = extra.get(key)
    before = f"\n\n{entry['before']}\n" if entry and entry["before"] else ""
    return SafeMarkdown(str(_section_title(extra, key, default)) + before)


def _section_after(extra: Mapping[str, Any], key: str) -> SafeMarkdown:
    entry = extra.get(key)
    return SafeMarkdown(f"\n{entry['after']}\n\n" if entry and entry["after"] else "")


def _section_above(extra: Mapping[str, Any], key: str) -> SafeMarkdown:
    entry = extra.get(key)
    return SafeMarkdown(f"{entry['before']}\n\n" if entry and entry["before"] else "")


_METHODS = (MethodType, BuiltinMethodType)
_BINOPS: dict[str, Callable[[Any, Any], Any]] = {"*": operator.mul, "**": operator.pow}
_SECTION_HELPERS: frozenset[Any] = frozenset({_section_title, _section_head, _section_after, _section_above})


@lru_cache(maxsize=8)
def _environment(search_path: tuple[str, ...]) -> ImmutableSandboxedEnvironment:
    env = _PlanSandbox(
        loader=jinja2.FileSystemLoader(list(search_path)),
        bytecode_cache=_bytecode_cache(),
        undefined=jinja2.StrictUndefined,
        autoescape=True,  # finalize escapes for Markdown first; see mdescape.SafeMarkdown
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update(
        md=mdescape.inline,
        heading=mdescape.heading,
        para=mdescape.paragraph,
        cell=mdescape.cell,
        fence=mdescape.fence,
        url=mdescape.url,
        raw_template=mdescape.SafeMarkdown,
    )
    env.globals.update(section_title=_section_title, section_head=_section_head,
                       section_after=_section_after, section_above=_section_above, has_any=has_any)
    # Jinja's lorem-ipsum generator makes text of any size on request; no plan needs it.
    del env.globals["lipsum"]
    return env


def _template(template_path: Path | None) -> jinja2.Template:
    default_dir = str(default_template_dir())
    if template_path is None:
        return _environment((default_dir,)).get_template(DEFAULT_TEMPLATE)
    path = Path(template_path)
    if not path.exists() and not path.is_symlink():
        raise RenderError(f"{path}: no such template file; give a Jinja2 template (it may extend "
                          f"{DEFAULT_TEMPLATE!r})")
    from .safe_files import MAX_TEMPLATE_BYTES, read_file

    # Before Jinja opens it: a folder, pipe or device is named as such, and 5 GB is refused from its size.
    read_file(path, MAX_TEMPLATE_BYTES, what="Jinja2 template file")
    # A team template may `{% extends "technical-plan.md.j2" %}` and override its blocks.
    env = _environment((str(path.resolve().parent), default_dir))
    return env.get_template(path.name)


def template_sha256(template_path: Path | None = None) -> str:
    from .safe_files import MAX_TEMPLATE_BYTES, read_file

    path = Path(template_path) if template_path else default_template_dir() / DEFAULT_TEMPLATE
    return hashlib.sha256(read_file(path, MAX_TEMPLATE_BYTES, what="Jinja2 template file")).hexdigest()


CHART_KEYS = ("risk_heatmap", "gantt", "finish_distribution")
"""Charts a plan can link (written beside it by `techplan run`); templates see `charts.<key>`."""

_CHART_PATH = re.compile(r"^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._/-]{0,120}\.png$")


def _chart_links(charts: Mapping[str, str] | None) -> dict[str, Markup]:
    links: dict[str, Markup] = {}
    for key, path in (charts or {}).items():
        if key not in CHART_KEYS:
            raise RenderError(f"unknown chart {key!r}; known charts: {', '.join(CHART_KEYS)}")
        if not _CHART_PATH.match(path):
            raise RenderError(f"chart path {path!r} must be a relative .png path inside the plan's folder")
        links[key] = mdescape.SafeMarkdown(path)
    return links


def render_plan(plan: PlanInput, *, as_of: dt.date, seed: int = 0,
                template_path: Path | None = None, charts: Mapping[str, str] | None = None) -> str:
    """The finished Markdown plan. Same inputs, as_of and seed give the same bytes.

    `charts` maps CHART_KEYS to image paths relative to the plan; with none (the default) the
    plan links no images, so `techplan render` is unchanged.
    """
    context = build_context(plan, as_of=as_of, seed=seed)
    context["charts"] = _chart_links(charts)
    name = str(template_path) if template_path else DEFAULT_TEMPLATE
    try:
        template = _template(template_path)
        text = template.render(context)
    except RenderError:
        raise
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"{exc.filename or name}:{exc.lineno}: template syntax error: {exc.message}") from None
    except jinja2.UndefinedError as exc:
        raise RenderError(f"{_where(exc, name)}: the template uses an undefined value: {exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise RenderError(f"{name}: template {exc.name!r} not found") from None
    except SecurityError as exc:
        raise RenderError(f"{_where(exc, name)}: the template tried an unsafe operation: {exc}") from None
    except jinja2.TemplateError as exc:
        raise RenderError(f"{_where(exc, name)}: template error: {exc}") from None
    except Exception as exc:  # a team template's arithmetic or attribute mistake
        raise RenderError(f"{_where(exc, name)}: the template failed: {type(exc).__name__}: {exc}") from None
    if len(text) > MAX_TEXT:
        raise RenderError(f"{name}: the template made {len(text):,} characters, more than a plan can be "
                          f"({MAX_TEXT:,})")
    return mdescape.tidy(text)


def _where(exc: BaseException, name: str) -> str:
    """FILE:LINE of the template line that failed, from the traceback Jinja rewrites to point at
    template lines (the innermost one: an imported macro's, not the line calling it)."""
    where = name
    tb = exc.__traceback__
    while tb is not None:
        if "__jinja_exception__" in tb.tb_frame.f_globals:
            where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where
