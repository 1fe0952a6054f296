"""check: lint Markdown plans (placeholders, missing or empty sections, inconsistent status)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "check", help="lint Markdown plans: placeholders, missing or empty sections, status vs approvals",
        description="Check Technical Plans written by hand or generated. Each finding is printed as "
                    "FILE:LINE: rule-id: message (the rules are listed in the README and by --list-rules). "
                    "Exit 0 when clean, 1 when anything is found, 2 when a file cannot be read.")
    p.add_argument("files", nargs="*", type=Path, metavar="PLAN.md", help="Markdown plans to check")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="text (one finding a line, the default) or json (for CI annotations)")
    p.add_argument("--list-rules", action="store_true", help="print every rule id with what it checks, and exit")
    p.set_defaults(handler=_check)


def _check(args: argparse.Namespace) -> int:
    from ..errors import InputError, UsageError, printable
    from ..inputs import nul_line
    from ..lint import RULES, check_text
    from ..safe_files import MAX_PLAN_BYTES, read_capped

    if args.list_rules:
        for rule, text in RULES.items():
            print(f"{rule}: {text}")
        return 0
    if not args.files:
        raise UsageError("give at least one plan: techplan check PLAN.md...")
    findings = []
    unreadable: list[str] = []
    for path in args.files:
        try:
            try:
                raw = read_capped(path, MAX_PLAN_BYTES, what="Markdown plan file", hint="is it a plan?")
            except InputError as exc:
                unreadable.append(str(exc.issues[0]).replace(": (file): ", ": ", 1))
                continue
            line = nul_line(raw)
            if line is not None:
                unreadable.append(f"{path}:{line}: contains NUL bytes (UTF-16 or a binary file?); save it as UTF-8")
                continue
            text = raw.decode("utf-8-sig")
            if not text.strip():
                unreadable.append(f"{path}: is empty; nothing to check")
                continue
        except FileNotFoundError:
            unreadable.append(f"{path}: no such file")
            continue
        except IsADirectoryError:
            unreadable.append(f"{path}: is a folder; give Markdown plan files")
            continue
        except UnicodeDecodeError:
            unreadable.append(f"{path}: is not UTF-8 text; save it as UTF-8")
            continue
        except OSError as exc:
            unreadable.append(f"{path}: cannot be read ({exc.strerror})")
            continue
        findings.extend(check_text(text, str(path)))
    if args.format == "json":
        payload = {"files": [str(p) for p in args.files], "count": len(findings),
                   "findings": [f.as_dict() for f in findings], "errors": unreadable}
        # json.dumps escapes C0 controls but leaves C1 and bidi controls raw with ensure_ascii=False.
        sys.stdout.write(printable(json.dumps(payload, indent=2, ensure_ascii=False), json=True) + "\n")
    else:
        for finding in findings:
            print(printable(str(finding)))
    sys.stdout.flush()
    for message in unreadable:
        print(printable(f"techplan: error: {message}"), file=sys.stderr)
    checked = len(args.files) - len(unreadable)
    if findings:
        files = len({f.file for f in findings})
        print(f"techplan: {len(findings)} finding{'s' if len(findings) != 1 else ''} in {files} of {checked} "
              "plan(s)", file=sys.stderr)
    if unreadable:
        return 2
    return 1 if findings else 0
