"""Render a PlanInput into Markdown with a sandboxed, strict Jinja2 environment.

Pure apart from reading template files: no clock (as_of is passed in), no Jupyter. User text is
escaped for Markdown by default (the environment's finalize); filters mark text already made safe.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import hashlib
import inspect
import operator
import os
import re
import stat
import string
import sys
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from types import BuiltinMethodType, FunctionType, MethodType
from typing import Any

import jinja2
import jinja2.bccache
import jinja2.compiler
import jinja2.loaders
import jinja2.runtime
import jinja2.utils
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from . import mdescape
from .errors import RenderError
from .mdescape import SafeMarkdown
from .model import PlanInput
from .plan_format import sections
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
        _spend(len(value))
        return value
    if isinstance(value, (int, float, dt.date)) and not isinstance(value, bool):
        return SafeMarkdown(value)
    if isinstance(value, (list, tuple, dict, jinja2.utils.Namespace)):
        _check_size(text_size(value), "printing this value")
    shown = mdescape.inline(value)
    _spend(len(shown))
    return shown


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

    @jinja2.compiler.optimizeconst
    def visit_Concat(self, node: Any, frame: Any) -> None:
        # Jinja's own, with the parts' size checked before they are joined (`ns.s ~ ns.s` in a loop
        # doubled a text to gigabytes).
        if frame.eval_ctx.volatile:
            func_name = "(markup_join if context.eval_ctx.volatile else str_join)"
        elif frame.eval_ctx.autoescape:
            func_name = "markup_join"
        else:
            func_name = "str_join"
        self.write(f"{func_name}(environment.sized_parts((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write(")))")

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
_GENERATOR_VERSION = 2


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
MAX_INT_BITS = 65_536
MAX_COUNT = 100_000  # a `batch` or `slice` count, as Jinja's sandbox caps a range


# --- how much a template may make -----------------------------------------------------------------
# Every text, list or number a template makes is checked against the limits above before it is
# made, where its size can be known from its parts (`~`, `+`, `%`, `.format`, `.join`, `.replace`,
# the filters that pad, indent, wrap or repeat), and after it is made everywhere else (each filter
# and method result, everything printed). A template doubling a text in a loop or a recursive
# macro, or padding one to a width of 10**9, stops with exit 2 instead of filling the memory.


def text_size(value: Any, *, limit: int = MAX_TEXT) -> int:
    """An upper bound of the characters str(value) makes, counted until past `limit`. A list's
    text repeats what it holds as often as it is held, so shared items are counted each time; a
    text inside a list is shown as its repr (up to 10 characters for one)."""
    if isinstance(value, str):
        return len(value)
    total = 0
    stack = [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, str):
            total += 10 * len(item) + 4
        elif isinstance(item, (list, tuple, set, frozenset)):
            # A number, yes/no or None shows as at most 24 characters: counted, not walked.
            total += 2 + 26 * len(item)
            stack.extend(x for x in item if not (type(x) in _SHORT or (type(x) is int and -_LONG < x < _LONG)))
        elif isinstance(item, dict):
            total += 2 + 4 * len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, jinja2.utils.Namespace):
            total += 16
            stack.append(item._Namespace__attrs)  # what its repr shows
        elif isinstance(item, int):
            total += item.bit_length() // 3 + 2
        else:
            total += 64
    return total


_SHORT = frozenset({float, bool, type(None)})
_LONG = 10 ** 20


def total_size(items: Iterable[Any]) -> int:
    """text_size of each item, added up, until past MAX_TEXT (one budget for all of them)."""
    total = 0
    for item in items:
        total += text_size(item, limit=MAX_TEXT - total)
        if total > MAX_TEXT:
            break
    return total


def _too_big(what: str, size: int) -> SecurityError:
    return SecurityError(f"{what} would make {size:,} characters or items, more than a plan can hold "
                         f"({MAX_TEXT:,})")


def _check_size(size: int, what: str) -> None:
    if size > MAX_TEXT:
        raise _too_big(what, size)


_SIZED = (str, list, tuple)


def _check_result(result: Any, what: str) -> None:
    if isinstance(result, str):
        _check_size(len(result), what)
        _spend(len(result))
    elif isinstance(result, (list, tuple, dict)):
        _check_size(text_size(result), what)


# Each render may make this many characters in all (printed, joined, filtered): a loop keeping
# (or printing) a new copy of a large text on each pass stops here, whatever it keeps them in.
MAX_MADE = 8 * MAX_TEXT
_BUDGET: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("techplan_template_budget",
                                                                           default=None)


def _spend(size: int) -> None:
    left = _BUDGET.get()
    if left is not None:
        left[0] -= size
        if left[0] < 0:
            raise SecurityError(f"the template made more than {MAX_MADE:,} characters in all (printed, joined "
                                "or changed); a plan needs far fewer")


def _number(text: str) -> int:
    if len(text) > 9:
        raise _too_big("a width or precision", 10 ** 9)
    return int(text)


# Linear: from each '%' the name in parentheses runs to the next ')' or '%'.
_PERCENT = re.compile(r"%(?:\([^)%]*\))?[#0 +-]*(\*|\d+)?(?:\.(\*|\d+))?")
_DIGITS = re.compile(r"\d+")


def _arguments_size(args: Any) -> int:
    return total_size(args.values() if isinstance(args, dict) else args if isinstance(args, tuple) else [args])


def percent_size(fmt: str, args: Any) -> int:
    """An upper bound of the size of `fmt % args`: the arguments, each padded to its width and
    precision (a mapping's may each be printed by every conversion)."""
    size = len(fmt)
    conversions = 0
    for match in _PERCENT.finditer(fmt):
        conversions += 1
        for number in match.groups():
            if number == "*":
                raise SecurityError("a width or precision taken from an argument (%*d) is not allowed in a "
                                    "template; write the number")
            if number:
                size += _number(number)
    return size + (1 if isinstance(args, tuple) else conversions) * _arguments_size(args)


def format_size(fmt: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> int:
    """An upper bound of the size of `fmt.format(*args, **kwargs)`: any field may print any argument."""
    size = len(fmt)
    fields = 0
    for _text, field, spec, _conversion in string.Formatter().parse(fmt):
        if field is None:
            continue
        fields += 1
        if spec and "{" in spec:
            raise SecurityError("a width or precision taken from an argument ('{:{w}}') is not allowed in a "
                                "template; write the number")
        size += sum(_number(digits) for digits in _DIGITS.findall(spec or ""))
    return size + fields * (_arguments_size(args) + _arguments_size(dict(kwargs)))


def replace_size(text: str, old: str, new: str, count: int | None) -> int:
    times = text.count(old) if old else len(text) + 1
    if count is not None and count >= 0:
        times = min(times, count)
    return len(text) + times * max(0, len(new) - len(old))


def _sized_call(obj: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> tuple[Any, ...]:
    """The checks before an allowed method that can make a larger text than it was given; a join's
    items are gathered first (the same ones are then joined)."""
    target = getattr(obj, "__wrapped__", obj) if type(obj) is FunctionType else obj
    owner = getattr(target, "__self__", None)
    name = getattr(target, "__name__", "")
    if isinstance(owner, str):
        if name == "format":
            _check_size(format_size(owner, args, kwargs), "this str.format()")
        elif name == "join" and len(args) == 1:
            items = list(args[0])
            _check_size(total_size(items) + len(owner) * len(items), "this str.join()")
            return (items,)
        elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
            count = args[2] if len(args) > 2 and isinstance(args[2], int) else kwargs.get("count")
            _check_size(replace_size(owner, args[0], args[1], count), "this str.replace()")
    elif isinstance(owner, dt.date) and name == "strftime" and args and isinstance(args[0], str):
        _check_size(12 * len(args[0]), "this strftime()")  # "%c" is 24 characters
    return args


def _pre_center(a: dict[str, Any]) -> None:
    _check_size(max(len(str(a["value"])), int(a["width"])), "the filter center")


def _pre_indent(a: dict[str, Any]) -> None:
    text, width = str(a["s"]), a["width"]
    per_line = len(width) if isinstance(width, str) else int(width)
    _check_size(len(text) + (text.count("\n") + 1) * max(per_line, 0), "the filter indent")


def _pre_wordwrap(a: dict[str, Any]) -> None:
    text, width = str(a["s"]), max(int(a["width"]), 1)
    breaks = len(text) if width == 1 else 2 * len(text) // width + text.count("\n") + 1
    _check_size(len(text) + breaks * len(str(a["wrapstring"] or "\n")), "the filter wordwrap")


def _pre_join(a: dict[str, Any]) -> None:
    items = a["value"] = list(a["value"])
    _check_size(total_size(items) + len(str(a["d"])) * len(items), "the filter join")


def _pre_replace(a: dict[str, Any]) -> None:
    count = a["count"] if isinstance(a["count"], int) else None
    _check_size(replace_size(str(a["s"]), str(a["old"]), str(a["new"]), count), "the filter replace")


def _pre_format(a: dict[str, Any]) -> None:
    _check_size(percent_size(str(a["value"]), a["kwargs"] or a["args"]), "the filter format")


def _pre_count(key: str) -> Callable[[dict[str, Any]], None]:
    def check(a: dict[str, Any]) -> None:
        if int(a[key]) > MAX_COUNT:
            raise SecurityError(f"{key} of {a[key]:,} is more than a template may ask for (at most {MAX_COUNT:,})")
    return check


def _pre_tojson(a: dict[str, Any]) -> None:
    # Every character may become a six-character escape; each line may be indented.
    _check_size(6 * text_size(a["value"]) * (1 + max(int(a["indent"] or 0), 0)), "the filter tojson")


def _pre_urlize(a: dict[str, Any]) -> None:
    text = str(a["value"])
    extra = len(str(a["target"] or "")) + len(str(a["rel"] or "")) + 64
    _check_size(3 * len(text) + (len(text) // 4 + 1) * extra, "the filter urlize")


def _pre_sum(a: dict[str, Any]) -> None:
    if isinstance(a["start"], _SIZED):  # adding lists or texts: as long as all of them together
        items = a["iterable"] = list(a["iterable"])
        _check_size(total_size(items), "the filter sum")


_FILTER_CHECKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "center": _pre_center, "indent": _pre_indent, "wordwrap": _pre_wordwrap, "join": _pre_join,
    "replace": _pre_replace, "format": _pre_format, "batch": _pre_count("linecount"),
    "slice": _pre_count("slices"), "tojson": _pre_tojson, "urlize": _pre_urlize, "sum": _pre_sum,
}
# Filters that print their value (a list as its repr): its printed size is checked first.
_PRINTING_FILTERS = frozenset({"string", "pprint", "e", "escape", "forceescape", "safe", "striptags", "title",
                               "capitalize", "upper", "lower", "trim", "truncate", "urlencode", "xmlattr",
                               "wordcount", "md", "heading", "para", "cell", "fence", "url", "raw_template"})


def _sized_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """`func` with its result checked, and its arguments first where they say how large it will be."""
    passed = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0  # the environment or context
    # Jinja's sync/async filters take the evaluation context their own signature does not name.
    inner = getattr(func, "__wrapped__", None)
    hidden = passed if inner is not None and getattr(inner, "jinja_pass_arg", None) is None else 0
    check = _FILTER_CHECKS.get(name)
    signature = inspect.signature(func) if check else None
    printing = name in _PRINTING_FILTERS

    @functools.wraps(func)  # keeps jinja_pass_arg: Jinja still passes what the filter asks for
    def sized(*args: Any, **kwargs: Any) -> Any:
        if printing and len(args) > passed:
            _check_size(text_size(args[passed]), f"the filter {name}")
        if signature is not None and check is not None:
            bound = signature.bind(*args[hidden:], **kwargs)
            bound.apply_defaults()
            check(bound.arguments)
            args, kwargs = (*args[:hidden], *bound.args), bound.kwargs
        result = func(*args, **kwargs)
        _check_result(result, f"the filter {name}")
        return result

    return sized


class _CappedLoader(jinja2.FileSystemLoader):
    """Jinja's file loader, reading each template and each file it includes or imports through the
    capped reader (a 5 GB file beside a template was read whole into memory), and only from its
    folder: a link there to a file elsewhere (footer.j2 -> ~/.ssh/id_rsa, added to a team's
    template folder by a pull request) put that file in the plan."""

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str, Callable[[], bool]]:
        from .errors import TechPlanError
        from .safe_files import MAX_TEMPLATE_BYTES, read_file

        pieces = jinja2.loaders.split_template_path(template)
        for folder in self.searchpath:
            filename = os.path.join(folder, *pieces)
            if os.path.isfile(filename):
                break
        else:
            raise jinja2.TemplateNotFound(template)
        real, home = os.path.realpath(filename), os.path.realpath(folder)
        if os.path.commonpath([real, home]) != home:
            raise jinja2.TemplateError(f"{filename}: is a link to a file outside the template's folder ({real}); a "
                                       "template reads only the files in its own folder: copy the file there")
        try:
            text = read_file(filename, MAX_TEMPLATE_BYTES, what="Jinja2 template file").decode(self.encoding)
        except TechPlanError as exc:
            raise jinja2.TemplateError(str(exc)) from None
        except UnicodeDecodeError:
            raise jinja2.TemplateError(f"{filename}: is not UTF-8 text; a template is UTF-8 text") from None
        mtime = os.path.getmtime(filename)

        def uptodate() -> bool:
            try:
                return os.path.getmtime(filename) == mtime
            except OSError:
                return False

        return text, os.path.normpath(filename), uptodate


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
    intercepted_binops = frozenset({"*", "**", "+", "%"})

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
        args = _sized_call(__obj, args, kwargs)
        result = super().call(__context, __obj, *args, **kwargs)
        _check_result(result, _describe(__obj))
        return result

    def concat(self, parts: Iterable[str]) -> str:
        """What the template printed (or a macro, a `{% set %}` block), refused once past MAX_TEXT as
        it is gathered: a loop printing a large text many times is stopped before it is joined."""
        gathered = parts if type(parts) is list else list(parts)  # (what was printed is counted already)
        total = sum(map(len, gathered))
        _check_size(total, "the template's output")
        _spend(total)
        return "".join(gathered)

    def sized_parts(self, parts: tuple[Any, ...]) -> tuple[Any, ...]:
        """The parts of `a ~ b`, once their joined size is known to be within MAX_TEXT."""
        total = total_size(parts)
        _check_size(total, "joining these texts with ~")
        _spend(total)
        return parts

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
        if operator in ("*", "**") and type(left) is int and type(right) is int:  # (10**1000)**1024 in a loop
            bits = left.bit_length() * right if operator == "**" else left.bit_length() + right.bit_length()
            if bits > MAX_INT_BITS:
                raise SecurityError(f"a whole number of {bits:,} bits is too large for a template (at most "
                                    f"{MAX_INT_BITS:,})")
        if operator == "+" and isinstance(left, _SIZED) and isinstance(right, _SIZED):
            _check_size(len(left) + len(right), "adding these texts or lists")
        if operator == "%" and isinstance(left, str):
            _check_size(percent_size(left, right), "this %-formatting")
        if operator == "*" and isinstance(left, int) and isinstance(right, (str, list)):
            left, right = right, left
        if operator == "*" and isinstance(left, (str, list)) and isinstance(right, int):
            if len(left) * right > MAX_TEXT:
                raise SecurityError(f"repeating a text or list {right} times makes more than {MAX_TEXT} items")
        result = _BINOPS[operator](left, right)
        if isinstance(result, str):
            _spend(len(result))
        return result

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


def _section_kept(extra: Mapping[str, Any], key: str) -> bool:
    """The document's text kept in the section: the template then prints no "_Not specified._"."""
    return sections.has_kept(extra, key)


_METHODS = (MethodType, BuiltinMethodType)
_BINOPS: dict[str, Callable[[Any, Any], Any]] = {"*": operator.mul, "**": operator.pow, "+": operator.add,
                                                 "%": operator.mod}
_SECTION_HELPERS: frozenset[Any] = frozenset({_section_title, _section_head, _section_after, _section_above,
                                                    _section_kept})


@lru_cache(maxsize=8)
def _environment(search_path: tuple[str, ...]) -> ImmutableSandboxedEnvironment:
    env = _PlanSandbox(
        loader=_CappedLoader(list(search_path)),
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
                       section_after=_section_after, section_above=_section_above,
                       section_kept=_section_kept, has_any=has_any)
    # Jinja's lorem-ipsum generator makes text of any size on request; no plan needs it.
    del env.globals["lipsum"]
    env.filters.update({name: _sized_filter(name, func) for name, func in env.filters.items()})
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
        budget = _BUDGET.set([MAX_MADE])
        try:
            text = template.render(context)
        finally:
            _BUDGET.reset(budget)
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
