"""The plan as one self-contained HTML file: `techplan render FILE --format html`.

The Markdown plan (render_plan, the same bytes `techplan render` prints) is converted with
markdown-it-py with raw HTML off, so nothing in it becomes markup that the plan did not write as
Markdown. The charts go inline as PNG data URIs: the heat-map after the risk matrix, the Gantt
chart in place of the Mermaid block (which needs a script to draw), the finish-date
distribution after it. No script, no stylesheet link, no image from elsewhere: the file opens
offline and prints as it shows. matplotlib (the [notebook] extra) is imported only here.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token

from .analysis import analyse, mermaid_gantt
from .errors import MissingExtra
from .model import PlanInput

CHART_ALT = {
    "risk_heatmap": "Risk heat-map: open risks by probability and impact",
    "gantt": "Schedule: Gantt chart, critical path in red",
    "finish_distribution": "Monte Carlo distribution of the finish date",
}
_MATRIX_HEADING = "<h4>Risk matrix (probability × impact)</h4>"

STYLE = """
:root { color-scheme: light; }
body { font: 15px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2328;
       max-width: 60rem; margin: 2rem auto; padding: 0 1.5rem; }
h1, h2 { border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; }
h1 { font-size: 1.9em; } h2 { font-size: 1.45em; margin-top: 1.6em; } h3 { font-size: 1.2em; }
table { border-collapse: collapse; margin: .8em 0; display: block; overflow-x: auto; }
th, td { border: 1px solid #d1d9e0; padding: 4px 10px; vertical-align: top; }
th { background: #f6f8fa; }
code { background: #f6f8fa; border-radius: 4px; padding: .1em .3em; font-size: 90%; }
pre { background: #f6f8fa; border-radius: 6px; padding: 12px; overflow-x: auto; }
pre code { background: none; padding: 0; }
figure { margin: 1em 0; } figure img { max-width: 100%; height: auto; }
figcaption { color: #59636e; font-size: 90%; }
ul { padding-left: 1.6em; }
@media print {
  body { max-width: none; margin: 0; font-size: 11pt; }
  h1, h2, h3, h4 { break-after: avoid; }
  table, figure, pre { break-inside: avoid; }
  table { display: table; }
  a { color: inherit; }
}
"""


def _charts(analysis: Any) -> dict[str, bytes]:
    try:
        from . import charts
    except ModuleNotFoundError as exc:
        missing = MissingExtra.from_import_error(exc)
        raise (missing or exc) from None
    result: dict[str, bytes] = charts.plan_charts(analysis)
    return result


def _figure(key: str, png: bytes) -> str:
    data = base64.b64encode(png).decode("ascii")
    alt = html.escape(CHART_ALT[key])
    return (f'<figure class="chart chart-{key.replace("_", "-")}"><img alt="{alt}" '
            f'src="data:image/png;base64,{data}"><figcaption>{alt}</figcaption></figure>\n')


def _parser(gantt_text: str | None, charts: Mapping[str, bytes]) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    renderer = md.renderer
    assert isinstance(renderer, RendererHTML)
    default_fence = renderer.rules["fence"]
    default_image = renderer.rules["image"]

    def fence(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        if (token.info.strip() == "mermaid" and gantt_text is not None
                and token.content.rstrip("\n") == gantt_text and "gantt" in charts):
            shown = _figure("gantt", charts["gantt"])
            if "finish_distribution" in charts:
                shown += _figure("finish_distribution", charts["finish_distribution"])
            return shown
        return str(default_fence(tokens, idx, options, env))

    def image(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        # An image is a resource the file would fetch: only data: URIs stay images; any other
        # (a chart file beside the plan, a picture kept from an imported document) shows its alt text.
        src = tokens[idx].attrGet("src") or ""
        if str(src).startswith("data:image/"):
            return str(default_image(tokens, idx, options, env))
        alt = "".join(child.content for child in tokens[idx].children or [])
        return f"<em>[image: {html.escape(alt)}]</em>"

    md.add_render_rule("fence", fence)
    md.add_render_rule("image", image)
    return md


def plan_html(plan: PlanInput, *, as_of: dt.date, seed: int = 0, template_path: Path | None = None) -> str:
    """The whole plan as one HTML document with its charts inline and no outside reference."""
    from .render import render_plan

    markdown = render_plan(plan, as_of=as_of, seed=seed, template_path=template_path)
    analysis = analyse(plan, as_of=as_of, seed=seed)
    charts = _charts(analysis)
    gantt_text = mermaid_gantt(analysis, plan.issue.title)
    body = _parser(gantt_text, charts).render(markdown)
    if "risk_heatmap" in charts and _MATRIX_HEADING in body:
        at = body.find("</table>", body.index(_MATRIX_HEADING))
        if at != -1:
            at += len("</table>\n")
            body = body[:at] + _figure("risk_heatmap", charts["risk_heatmap"]) + body[at:]
    title = html.escape(f"Technical Plan: {plan.issue.title} (#{plan.issue.number})")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "img-src data:; style-src 'unsafe-inline'\">\n"
            f"<meta name=\"generator\" content=\"techplan-nb\">\n<title>{title}</title>\n"
            f"<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n")
