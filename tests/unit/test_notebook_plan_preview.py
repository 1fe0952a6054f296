"""The notebook's plan preview shows its charts wherever it is opened (JupyterLab showed them broken)."""

from __future__ import annotations

import base64

import pytest

from techplan_nb import notebook as tp

from helpers import AS_OF, shared_example


@pytest.mark.parametrize("images", [True, False])
def test_the_plan_preview_embeds_the_charts_the_plan_links_and_the_plan_keeps_its_links(
        monkeypatch: pytest.MonkeyPatch, images: bool) -> None:
    shown: list[str] = []
    monkeypatch.setattr(tp, "markdown", shown.append)
    monkeypatch.setattr(tp, "image", lambda png: None)
    monkeypatch.setattr(tp, "glue", lambda *args, **kwargs: None, raising=False)
    run = tp.start(str(shared_example()), as_of=AS_OF, seed=0, images=images)
    shown.clear()
    tp.show_plan(run)
    (preview,) = shown
    png = base64.b64encode(run.charts["finish_distribution"]).decode("ascii")
    if images:
        assert "](finish-distribution.png)" in run.plan_text  # the written plan links the file beside it
        assert f"](data:image/png;base64,{png})" in preview and "](finish-distribution.png)" not in preview
        assert preview.replace(f"data:image/png;base64,{png}", "finish-distribution.png") == run.plan_text
    else:  # a plan for pasting into GitHub links no image, and its preview shows none
        assert preview == run.plan_text and "data:image" not in preview


def test_nbval_forgives_the_embedded_charts_bytes_but_not_the_text_around_them() -> None:
    import configparser
    import re
    from pathlib import Path

    config = configparser.ConfigParser()
    config.read(Path(__file__).resolve().parents[2] / "notebooks" / "nbval-sanitize.cfg")
    rules = [(config[s]["regex"], config[s]["replace"]) for s in config.sections()]

    def clean(text: str) -> str:
        for regex, replace in rules:
            text = re.sub(regex, replace, text)
        return text

    # PNG bytes differ between matplotlib and FreeType builds, as the chart files' sizes do.
    assert clean("![Finish](data:image/png;base64,iVBORw0KGgoAAA+/=)\n") == clean(
        "![Finish](data:image/png;base64,iVBORw0KGgoBBB9z=)\n")
    assert clean("![Finish](data:image/png;base64,iVBO)") != clean("![Start](data:image/png;base64,iVBO)")
