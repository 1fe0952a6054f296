"""`techplan render --template T`: a template that reaches for a method outside the short
allow-list, a Python internal, or a resource bomb stops with exit 2 naming the template line,
and nothing is written, least of all at the path the attack aimed at (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import AS_OF, EXAMPLES, files_under, run_techplan

ATTACKS = [
    # Was a numpy array: its tofile wrote any file, e.g. a .pth that Python runs at start-up.
    pytest.param('{{ analysis.schedule.finish_samples[:1].tofile("ATTACK", sep="\\n", format="import os;%s") }}',
                 "finish_samples", id="numpy-tofile"),
    pytest.param('{{ analysis.risk.tofile("ATTACK") }}', "tofile", id="tofile-on-a-record"),
    pytest.param('{{ plan.issue.title.tofile("ATTACK") }}', "tofile", id="tofile-on-text"),
    pytest.param("{{ plan.__class__.__mro__ }}", "__class__", id="class"),
    pytest.param("{{ plan.issue.title.__class__.mro() }}", "__class__", id="str-class-mro"),
    pytest.param("{{ dict.mro() }}", "mro", id="dict-mro"),
    pytest.param("{{ dict.fromkeys('ab') }}", "dict.fromkeys()", id="dict-fromkeys"),
    pytest.param("{{ '{0.__class__}'.format(plan.issue.title) }}", "__class__", id="format-attribute"),
    pytest.param("{{ '{0.__init__.__globals__}'.format(as_of) }}", "unsafe", id="format-globals"),
    pytest.param("{{ plan.issue.title.encode('utf-8') }}", "str.encode()", id="str-encode"),
    pytest.param("{{ plan.issue.title.ljust(100000000) }}", "str.ljust()", id="str-ljust"),
    pytest.param("{{ as_of.replace(year=1) }}", "date.replace()", id="date-replace"),
    pytest.param("{{ plan.dependencies.update({'internal': []}) }}", "update", id="dict-update"),
    pytest.param("{{ plan.monitoring.pop('metrics') }}", "pop", id="dict-pop"),
    pytest.param("{{ plan.monitoring.setdefault('x', 1) }}", "setdefault", id="dict-setdefault"),
    pytest.param("{{ plan.issue.labels.append('x') }}", "append", id="list-append"),
    pytest.param("{{ (plan.issue.labels|attr('copy'))() }}", "list.copy()", id="attr-filter-method"),
    pytest.param("{% for i in range(10**9) %}x{% endfor %}", "Range too big", id="huge-range"),
    pytest.param("{{ 'x' * 10**9 }}", "repeating", id="text-bomb"),
    pytest.param("{{ 2 ** (10**6) }}", "exponent", id="power-bomb"),
    pytest.param("{{ lipsum(10**6) }}", "lipsum", id="lipsum"),
    # Memory bombs that built gigabytes before anything was checked (issue 14, round 3): each is
    # refused before the large value is made, or once a render has made MAX_MADE characters.
    pytest.param('{% set ns = namespace(s="ab") %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}',
                 "joining these texts with ~", id="concat-doubling"),
    pytest.param('{% set ns = namespace(s="ab") %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}',
                 "adding these texts", id="plus-doubling"),
    pytest.param('{% macro f(s, n) %}{% if n %}{{ f(s ~ s, n - 1) }}{% endif %}{% endmacro %}{{ f("ab", 40) }}',
                 "joining these texts with ~", id="recursive-macro-doubling"),
    pytest.param('{{ "%999999999d" % 1 }}', "%-formatting", id="percent-width"),
    pytest.param('{{ "%*d" % (999999999, 1) }}', "taken from an argument", id="percent-star-width"),
    pytest.param('{{ "{:999999999}".format(1) }}', "str.format()", id="format-width"),
    pytest.param('{{ "{:{w}}".format(1, w=999999999) }}', "taken from an argument", id="format-nested-width"),
    pytest.param('{{ "%999999999s"|format(1) }}', "the filter format", id="format-filter-width"),
    pytest.param('{{ "x"|center(999999999) }}', "the filter center", id="center"),
    pytest.param('{{ ("\\n" * 100000)|indent(100000) }}', "the filter indent", id="indent"),
    pytest.param('{{ ("a " * 100000)|wordwrap(1, wrapstring="x" * 1000) }}', "the filter wordwrap", id="wordwrap"),
    pytest.param('{% set s = "a" * 100 %}{% set s = s.replace("a", s) %}{% set s = s.replace("a", s) %}'
                 '{{ s.replace("a", s) }}', "str.replace()", id="replace-squaring"),
    pytest.param('{{ range(100000)|map("string")|join("x" * 1000000) }}', "the filter join", id="join-separator"),
    pytest.param('{{ ("x" * 1000000).join(range(100000)|map("string")) }}', "str.join()", id="join-method"),
    pytest.param('{{ [1]|batch(10**9, "x")|list }}', "linecount", id="batch-count"),
    pytest.param('{% set ns = namespace(l=[1]) %}{% for i in range(100) %}{% set ns.l = ns.l + [ns.l] %}'
                 "{% endfor %}{{ ns.l }}", "printing this value", id="repr-of-shared-lists"),
    pytest.param('{{ ([["x" * 1000] * 1000] * 1000)|tojson }}', "the filter tojson", id="tojson"),
    pytest.param('{% set big = "x" * 16000000 %}{% set x %}{% for i in range(1000) %}{{ big }}{% endfor %}'
                 "{% endset %}", "made more than", id="printing-a-large-text-in-a-loop"),
    pytest.param('{% set big = "x" * 16000000 %}{% set ns = namespace(l=[]) %}{% for i in range(1000) %}'
                 "{% set ns.l = [ns.l, big|upper] %}{% endfor %}", "made more than", id="keeping-copies-in-a-loop"),
    pytest.param('{% set ns = namespace(n=10) %}{% for i in range(40) %}{% set ns.n = ns.n * ns.n %}{% endfor %}',
                 "bits", id="number-squaring"),
]


@pytest.mark.parametrize("source, named", ATTACKS)
def test_an_attacking_template_stops_with_exit_2_and_writes_nothing(tmp_path: Path, source: str, named: str) -> None:
    attack = tmp_path / "evil.pth"
    team = tmp_path / "team.md.j2"
    team.write_text("# Plan\n\n" + source.replace("ATTACK", str(attack)) + "\n", "utf-8")
    out = tmp_path / "out" / "plan.md"
    before = files_under(tmp_path)
    result = run_techplan("render", EXAMPLES / "minimal.yaml", "--template", team, "-o", out, "--as-of", AS_OF)
    assert result.returncode == 2, result.stdout + result.stderr
    assert named in result.stderr
    assert f"{team}:3:" in result.stderr  # the template line that did it
    assert "Traceback" not in result.stderr
    assert not attack.exists() and not out.exists()
    assert files_under(tmp_path) == before


def test_a_disallowed_call_is_named_with_the_allowed_ones(tmp_path: Path) -> None:
    team = tmp_path / "team.md.j2"
    team.write_text("{{ plan.issue.title.zfill(3) }}\n", "utf-8")
    result = run_techplan("render", EXAMPLES / "minimal.yaml", "--template", team, "--as-of", AS_OF)
    assert result.returncode == 2
    assert "calling the method str.zfill() is not allowed in a template" in result.stderr
    assert "strip" in result.stderr and "items" in result.stderr


def test_allowed_methods_macros_super_and_jinja_helpers_still_work(tmp_path: Path) -> None:
    team = tmp_path / "team.md.j2"
    team.write_text(
        '{% extends "technical-plan.md.j2" %}\n'
        "{% block rollback %}\n"
        "{% macro box() %}[{{ caller() }}]{% endmacro %}\n"
        "{% set j = joiner('+') %}\n"
        "T: {{ plan.issue.title.upper() }} {{ plan.issue.title.split(' ')|length }} "
        "{{ '{}/{}'.format(plan.issue.number, as_of.isoformat()) }} {{ as_of.strftime('%Y') }} "
        "{% for k, v in {'a': 1}.items() %}{{ j() }}{{ k }}={{ v }}{{ loop.cycle('!', '?') }}{% endfor %} "
        "{{ plan.monitoring.get('metrics', 'none') }} {{ has_any(plan.risks) }} "
        "{% call box() %}in{% endcall %} {{ namespace(n=2).n }} "
        "{% for d in [{'n': 'x', 'c': [{'n': 'y', 'c': []}]}] recursive %}{{ d.n }}{{ loop(d.c) }}{% endfor %}\n\n"
        "{{ super() }}{% endblock %}\n", "utf-8")
    out = tmp_path / "plan.md"
    result = run_techplan("render", EXAMPLES / "minimal.yaml", "--template", team, "-o", out, "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    text = out.read_text("utf-8")
    assert "T: RATE-LIMIT THE LOGIN ENDPOINT 4 12/2026-11-20 2026 a=1! none False [in] 2 xy\n" in text
    assert "## Rollback Strategy" in text and "## Future Considerations" in text


def test_the_size_checked_filters_and_methods_still_do_their_work(tmp_path: Path) -> None:
    team = tmp_path / "team.md.j2"
    team.write_text(
        '{{ "a"|center(5) }};{{ "x\\ny"|indent(2) }};{{ "a b c"|wordwrap(3) }};{{ [1, 2]|join(",") }};'
        '{{ "ab"|replace("a", "c") }};{{ "%03d"|format(7) }};{{ [1, 2, 3]|batch(2)|list|length }};'
        '{{ [1, 2, 3]|slice(2)|list|length }};{{ [[1], [2]]|sum(start=[])|length }};{{ "%-3s;" % "a" }}'
        '{{ "{:>3}".format("b") }};{{ "-".join(["c", "d"]) }};{{ "ab" ~ 1 }};{{ "a" + "b" }};{{ 2 ** 10 }}\n',
        "utf-8")
    out = tmp_path / "plan.md"
    result = run_techplan("render", EXAMPLES / "minimal.yaml", "--template", team, "-o", out, "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    assert out.read_text("utf-8") == "  a  ;x\n  y;a b\nc;1,2;cb;007;2;2;2;a ;b;c-d;ab1;ab;1024\n"


def test_a_file_a_template_includes_is_read_with_the_templates_cap(tmp_path: Path) -> None:
    team = tmp_path / "team.md.j2"
    team.write_text('{% include "huge.md" %}\n', "utf-8")
    with (tmp_path / "huge.md").open("wb") as handle:  # sparse: 50 MB long, nothing on disk
        handle.truncate(50 * 2**20)
    result = run_techplan("render", EXAMPLES / "minimal.yaml", "--template", team, "--as-of", AS_OF)
    assert result.returncode == 2, result.stderr
    assert "huge.md: is larger than 4 MiB" in result.stderr and "Traceback" not in result.stderr


def test_a_template_includes_no_file_from_outside_its_folder_through_a_link(tmp_path: Path) -> None:
    """A team template's folder may take pull requests: a link there (footer.j2 -> ~/.ssh/id_rsa)
    put that file in the plan; a link to another file of the folder still works (issue 14, round 3)."""
    secret = tmp_path / "home" / "id_rsa"
    secret.parent.mkdir()
    secret.write_text("SECRET-KEY\n", "utf-8")
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "footer.j2").symlink_to(secret)
    (folder / "real.j2").write_text("inside\n", "utf-8")
    (folder / "alias.j2").symlink_to("real.j2")
    team = folder / "team.md.j2"
    team.write_text('# Plan\n\n{% include "alias.j2" %}\n{% include "footer.j2" %}\n', "utf-8")
    out = tmp_path / "plan.md"
    result = run_techplan("render", EXAMPLES / "minimal.yaml", "--template", team, "-o", out, "--as-of", AS_OF)
    assert result.returncode == 2, result.stdout
    assert "footer.j2: is a link to a file outside the template's folder" in result.stderr
    assert "SECRET-KEY" not in result.stdout and not out.exists()
    kept_team = folder / "kept.md.j2"
    kept_team.write_text('# Plan\n\n{% include "alias.j2" %}\n', "utf-8")
    kept = run_techplan("render", EXAMPLES / "minimal.yaml", "--template", kept_team, "--as-of", AS_OF)
    assert kept.returncode == 0 and kept.stdout == "# Plan\n\ninside\n", kept.stderr
