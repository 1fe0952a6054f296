"""How long hostile inputs take: the cases the hardening work found pathological, measured in one run.

1. Markdown escaping of 1 MiB of backtick runs of different lengths: the code-span search the
   escaper used before (a regex with a back-reference, reproduced here as the baseline) against
   the linear one in techplan_nb.mdescape now.
2. The loader on files just under the 1 MiB limit that hold far more entries than any plan:
   refused by the list limit, against validating (and rendering) a file of the same shape with
   1,000 entries, the most the loader accepts, as the baseline per entry.

Run by hand: .venv/bin/python benchmarks/hostile_inputs.py
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable

from techplan_nb import mdescape
from techplan_nb.errors import InputError
from techplan_nb.inputs import load_bytes
from techplan_nb.render import render_plan

OLD_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)


def best(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def refuse(raw: bytes, name: str) -> str:
    try:
        load_bytes(raw, name)
    except InputError as exc:
        return str(exc.issues[0])
    return "accepted"


def main() -> None:
    runs = "".join("`" * length + "a" for length in range(1, 1415))
    print(f"1. escaping {len(runs):,} characters of backtick runs")
    old = best(lambda: list(OLD_CODE_SPAN.finditer(runs)), repeat=1)
    new = best(lambda: mdescape.inline(runs))
    print(f"   old code-span regex: {old:8.3f} s   mdescape.inline now: {new:8.4f} s   ratio {old / new:,.0f}x")

    print("2. loader on files near 1 MiB")
    risk = "  - {risk: Something could go wrong here, probability: High, impact: Low}\n"
    header = "issue: {number: 1, title: Many}\nrisks:\n"
    many = (header + risk * 13_500).encode()
    accepted = (header + risk * 1_000).encode()
    t_many = best(lambda: refuse(many, "many.yaml"))
    plan = load_bytes(accepted, "accepted.yaml")
    t_accept = best(lambda: load_bytes(accepted, "accepted.yaml"))
    t_render = best(lambda: render_plan(plan, as_of=dt.date(2026, 11, 20)))
    print(f"   13,500 risks ({len(many):,} bytes): refused in {t_many:.3f} s: {refuse(many, 'many.yaml')}")
    print(f"   1,000 risks ({len(accepted):,} bytes): load {t_accept:.3f} s + render {t_render:.3f} s")
    per_entry = (t_accept + t_render) / 1000
    print(f"   validating and rendering 13,500 at that rate would take ~{per_entry * 13_500:.1f} s "
          f"({per_entry * 13_500 / t_many:.1f}x the refusal)")
    nested = ("issue: {number: 1, title: Nested}\nreviews:\n" + "".join(
        f"  - {{round: {r}, reviewer: R, status: Approved, feedback: [{', '.join(['x'] * 900)}]}}\n"
        for r in range(1, 200))).encode()
    t_nested = best(lambda: refuse(nested, "nested.yaml"))
    print(f"   {len(nested):,} bytes of short lists (199 reviews x 900 bullets): refused in {t_nested:.3f} s: "
          f"{refuse(nested, 'nested.yaml')}")


if __name__ == "__main__":
    main()
