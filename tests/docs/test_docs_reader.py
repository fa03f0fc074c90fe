"""The docs test's own reader: fences, annotations, claimed output (fast, no sandbox)."""

from __future__ import annotations

from pathlib import Path

from docblocks import blocks_of
from docchecks import console_steps, missing_output
from test_docs_blocks import _malformed


def _page(tmp_path: Path, text: str) -> list:
    page = tmp_path / "page.md"
    page.write_text(text, encoding="utf-8")
    return blocks_of(page, "page.md")


def test_annotations_before_a_fence_and_indented_fences(tmp_path: Path) -> None:
    blocks = _page(
        tmp_path,
        "text\n<!-- file: a.yaml -->\n\n```yaml\nx: 1\n```\n\n- item\n\n  ```console\n"
        "  $ echo hi\n  hi\n  ```\n<!-- exit: 2 -->\n<!-- skip: network — why -->\n~~~sh\nfalse\n~~~\n",
    )
    assert [(b.lang, b.annotations, b.line) for b in blocks] == [
        ("yaml", {"file": "a.yaml"}, 4),
        ("console", {}, 10),
        ("sh", {"exit": "2", "skip": "network — why"}, 16),
    ]
    assert blocks[1].text == "$ echo hi\nhi\n"


def test_unknown_language_and_unknown_annotation_fail(tmp_path: Path) -> None:
    blocks = _page(tmp_path, "<!-- skp: network -->\n```rust\nfn main() {}\n```\n")
    problems = _malformed(blocks[0])
    assert any("unknown language 'rust'" in p for p in problems)
    assert any("unknown annotation <!-- skp: -->" in p for p in problems)


def test_console_steps_join_continued_lines() -> None:
    steps = console_steps("$ a \\\n  --b\nout 1\n$ c\n")
    assert steps == [("a \\\n  --b", ["out 1"]), ("c", [])]


def test_claimed_lines_in_order_with_ellipses() -> None:
    actual = "header\nrun 1 ok   \nnoise\nrun 2 ok\n"
    assert missing_output(["run 1 ok", "...", "run ... ok"], actual) is None
    assert missing_output(["run 2 ok", "run 1 ok"], actual) == "run 1 ok"
    assert missing_output(["run 3 ok"], actual) == "run 3 ok"
