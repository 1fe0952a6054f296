"""Every inputs error names the line a text editor shows: lines end at \\n, \\r\\n or a lone \\r,
and nowhere else. YAML also breaks lines at U+0085 (NEL), U+2028 and U+2029, which editors show
inside a line, so a line counted by YAML's marks was one or more too late after one of them.

Each case is a file, the line and field of the problem reported, and words of its message.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import run_techplan

LONG_KEY = "k" * 1100

# name -> (content, line, field as printed, words the message holds)
VALIDATE: dict[str, tuple[str | bytes, int, str, str]] = {
    # the characters YAML reads as line breaks and editors do not
    "u2028-in-quoted-value.yaml": ('issue:\n  title: "a\u2028b"\n  number: 1\n  bogus: 1\n', 4, "issue.bogus",
                                   "unknown key 'bogus'"),
    "u2029-in-quoted-value.yaml": ('issue:\n  title: "a\u2029b"\n  number: 1\n  bogus: 1\n', 4, "issue.bogus",
                                   "unknown key 'bogus'"),
    "nel-in-plain-value.yaml": ("issue:\n  title: a\x85b\n  number: 1\n  bogus: 1\n", 2, "(file)",
                                "the line holds U+0085 (NEL), which YAML reads as a line break"),
    "u2028-in-quoted-key.yaml": ('issue:\n  number: 1\n  "ti\u2028tle": x\n', 3, "(file)",
                                 "U+2028 (LINE SEPARATOR)"),
    "nel-before-a-tag.yaml": ('issue:\n  number: 1\n  title: "a\x85b"\n  summary: !foo x\n', 4, "issue.summary",
                              "'!foo' is not allowed"),
    "u2028-before-an-anchor.yaml": ('issue:\n  title: "a\u2028b"\n  number: &n 1\n', 3, "(file)",
                                    "anchors and aliases"),
    "u2028-before-a-control-character.yaml": ('issue:\n  title: "é\u2028"\n  summary: "\x01"\n', 3, "(file)",
                                              "control character U+0001"),
    "u2028-in-json-value.json": ('{"issue": {\n"number": 1,\n"title": "a\u2028b\u2029c",\n"bogus": 1}}\n', 4,
                                 "issue.bogus", "unknown key 'bogus'"),
    # ordinary files
    "tab-indentation.yaml": ("issue:\n  number: 1\n\ttitle: x\n", 3, "(file)", "tab character"),
    "duplicate-key.yaml": ("issue:\n  number: 1\n  title: x\n  number: 2\n", 4, "issue.number",
                           "duplicate key 'number' (first given on line 2)"),
    "flow-mapping-over-lines.yaml": ("issue: {number: 1,\n  title: x,\n  bogus: 3}\n", 3, "issue.bogus",
                                     "unknown key 'bogus'"),
    "flow-sequence-over-lines.yaml": ("issue:\n  number: 1\n  title: x\n  labels: [a,\n    b,\n    {c: 1}]\n", 6,
                                      "issue.labels[2]", "valid string"),
    "crlf.yaml": ("issue:\r\n  number: 1\r\n  title: x\r\n  numbr: 2\r\n", 4, "issue.numbr", "did you mean 'number'"),
    "lone-cr.yaml": ("issue:\r  number: 1\r  title: x\r  numbr: 2\r", 4, "issue.numbr", "did you mean 'number'"),
    "lone-cr-syntax-error.yaml": ("issue:\r  number: 1\r  title: x\r   bad: 2\r", 4, "(file)", "not valid YAML"),
    "lone-cr-anchor.yaml": ("issue:\r  number: 1\r  title: &t x\r", 3, "(file)", "anchors and aliases"),
    "lone-cr-control-character.yaml": ('issue:\r  number: 1\r  title: "é\x01"\r', 3, "(file)",
                                       "control character U+0001"),
    "lone-cr-bad-utf8.yaml": (b"issue:\r  number: 1\r  title: \xff\r", 3, "(file)", "byte 0xff is not valid UTF-8"),
    "lone-cr-nul.yaml": (b"issue:\r  number: 1\r  title: \x00\r", 3, "(file)", "NUL bytes"),
    "no-newline-at-end.yaml": ("issue:\n  number: 1\n  title: x\n  bogus: 1", 4, "issue.bogus", "unknown key"),
    "no-newline-unclosed-flow.yaml": ("issue:\n  number: 1\n  title: [x", 3, "(file)", "not valid YAML"),
    "after-a-block-scalar.yaml": ("issue:\n  number: 1\n  title: x\n  summary: |\n    one\n    two\n\n    three\n"
                                  "  bogus: 1\n", 9, "issue.bogus", "unknown key"),
    "syntax-error-after-a-block-scalar.yaml": ("issue:\n  number: 1\n  title: x\n  summary: >\n    one\n    two\n"
                                               "  - bad\n", 7, "(file)", "not valid YAML"),
    # JSON
    "control-character-in-json-string.json": ('{\n"issue": {\n"number": 1,\n"title": "a\x01b"\n}\n}\n', 4, "(file)",
                                              "Invalid control character"),
    "after-escaped-newlines.json": ('{"issue": {\n"number": 1,\n"title": "a\\nb\\nc\\n",\n"summary": "x\\ny",\n'
                                    '"bogus": 1}}\n', 5, "issue.bogus", "unknown key"),
    "syntax-error-after-escaped-newlines.json": ('{"issue": {\n"number": 1,\n"title": "a\\nb\\nc\\n",\n'
                                                 '"summary": "x\\ny"\n"bogus": 1}}\n', 5, "(file)",
                                                 "Expecting ',' delimiter (column 1)"),
    "lone-cr.json": ('{"issue": {\r"number": 1,\r"title": "a",\r"numbr": 1}}\r', 4, "issue.numbr", "unknown key"),
    "lone-cr-syntax-error.json": ('{"issue": {\r"number": 1,\r"title": "a",\r}}\r', 4, "(file)",
                                  "Expecting property name enclosed in double quotes (column 1)"),
    "crlf.json": ('{"issue": {\r\n"number": 1,\r\n"title": "a",\r\n"numbr": 1}}\r\n', 4, "issue.numbr",
                  "unknown key"),
    "lone-cr-too-deep.json": ('{"a":\r' + "[" * 41 + "]" * 41 + "}", 2, "(file)", "nesting deeper than 40"),
    "wrong-type.json": ('{"issue": {\n"number": "one",\n"title": "a"}}\n', 2, "issue.number", "valid integer"),
    # a key over libyaml's 1,024 characters had no line, and was printed whole
    "long-key.json": ('{\n"issue": {\n"number": 1,\n"title": "t",\n"' + LONG_KEY + '": 2\n}\n}\n', 5,
                      "issue." + "k" * 60 + "…", "unknown key '" + "k" * 60 + "'…;"),
    "long-key-given-twice.json": ('{"issue": {\n"number": 1,\n"title": "t",\n"' + LONG_KEY + '": 1,\n"' + LONG_KEY
                                  + '": 2}}', 5, "issue." + "k" * 60 + "…", "(first given on line 4)"),
    "long-escaped-key.json": ('{"issue": {\n"number": 1,\n"title": "t",\n"' + "\\u00e9" * 300 + '": 1}}', 4,
                              "issue." + "é" * 60 + "…", "unknown key"),
}


def _write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def _assert_reported(stderr: str, path: Path, line: int, field: str, words: str) -> None:
    where = f"{path}:{line}: {field}: "
    found = [text for text in stderr.splitlines() if text.startswith(where)]
    assert found, f"no problem reported as {where!r}:\n{stderr}"
    assert any(words in text for text in found), stderr
    assert LONG_KEY not in stderr  # no key is printed whole


@pytest.mark.parametrize("name", sorted(VALIDATE))
def test_validate_names_the_editors_line(tmp_path: Path, name: str) -> None:
    content, line, field, words = VALIDATE[name]
    path = _write(tmp_path, name, content)
    result = run_techplan("validate", path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    _assert_reported(result.stderr, path, line, field, words)


# `techplan import github FILE`: the export's own errors, each at its field's line.
GITHUB: dict[str, tuple[str, int, str, str]] = {
    "wrong-type-after-u2028.json": ('[\n {"number": 1, "title": "a\u2028b"},\n {"number": 2,\n  "title": 5}\n]\n',
                                    4, "[1].title", "is missing or empty"),
    "wrong-type-after-nel.json": ('[\n {"number": 1, "title": "a\x85b"},\n {"number": "x",\n  "title": "t"}\n]\n',
                                  3, "[1].number", "must be the issue's number"),
    "lone-cr.json": ('[\r {"number": 1, "title": "a\\nb"},\r {"number": "x",\r  "title": "t"}\r]\r', 3,
                     "[1].number", "must be the issue's number"),
    "lone-cr-syntax-error.json": ('[\r {"number": 1,\r "title": "a"\r ,]\r', 4, "(file)", "not valid JSON"),
    "label-of-one-issue.json": ('{\n"number": 1,\n"title": "t",\n"labels": [\n"ok",\n 5\n]\n}', 6,
                                "(issue).labels[1]", "must be a label name"),
    "missing-title.json": ('[\n {"number": 1, "title": "t"},\n\n {"number": 2}\n]', 4, "[1].title",
                           "is missing or empty"),
    "control-character.json": ('{\n"number": 1,\n"title": "a\u2028\x01"\n}', 3, "(file)", "Invalid control character"),
}


@pytest.mark.parametrize("name", sorted(GITHUB))
def test_import_github_names_the_exports_line(tmp_path: Path, name: str) -> None:
    content, line, field, words = GITHUB[name]
    path = _write(tmp_path, name, content)
    result = run_techplan("import", "github", path, "-o", tmp_path / "plans")
    assert result.returncode == 2, result.stderr
    _assert_reported(result.stderr, path, line, field, words)


# `--mapping FILE`: YAML read by the inputs' own loader, its own checks at their lines.
MAPPING: dict[str, tuple[str, int, str, str]] = {
    "target-not-a-field-after-nel.yaml": ("headings:\n  A: issue.summary\x85\n  Goal: bogus.field\n", 3,
                                          "headings.Goal", "is not a plan field"),
    "target-a-list-lone-cr.yaml": ("headings:\r  A: issue.summary\r  Goal: [1,\r   2]\r", 3, "headings.Goal",
                                   "is not a plan field"),
    "second-top-level-key.yaml": ('headings:\n  A: "issue.\u2028summary"\nother: 1\n', 3, "headings",
                                  "holds one key"),
    # YAML reads `headings: A` and a second key `B` here, both on the editor's line 2
    "u2028-in-a-plain-key.yaml": ("headings:\n  A\u2028B: issue.summary\n", 2, "headings", "holds one key"),
    "duplicate-heading-crlf.yaml": ("headings:\r\n  A: issue.summary\r\n  A: risks\r\n", 3, "headings.A",
                                    "duplicate key 'A' (first given on line 2)"),
}


@pytest.mark.parametrize("name", sorted(MAPPING))
def test_import_github_mapping_names_the_line(tmp_path: Path, name: str) -> None:
    content, line, field, words = MAPPING[name]
    path = _write(tmp_path, name, content)
    export = _write(tmp_path, "issue.json", '{"number": 1, "title": "t", "body": "### Goal\\n\\nx"}')
    result = run_techplan("import", "github", export, "--mapping", path)
    assert result.returncode == 2, result.stderr
    _assert_reported(result.stderr, path, line, field, words)
