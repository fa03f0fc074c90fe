"""User text made safe to show: control characters visible, never read as rich markup."""

from __future__ import annotations

import pytest

from scriptrunner.display import markup, shown


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, "-"),
        ("plain [/tmp] text", "plain [/tmp] text"),
        ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),
        ("bell\x07", "bell\\x07"),
        ("over\u202eride", "over\\u202eride"),
        ("a\nb", "a\\nb"),
        ("a\r\nb", "a\\r\\nb"),
        (b"caf\xff".decode("utf-8", "surrogateescape"), "caf\\xff"),
        ("tab\tkept", "tab\tkept"),
        (3.5, "3.5"),
    ],
)
def test_shown_escapes_what_a_terminal_would_act_on(text: object, expected: str) -> None:
    assert shown(text) == expected


def test_lines_keep_newlines_and_normalise_crlf() -> None:
    assert shown("one\r\ntwo\nthree\x1b", lines=True) == "one\ntwo\nthree\\x1b"


def test_markup_is_escaped_for_rich_after_the_control_characters() -> None:
    from rich.console import Console
    from rich.text import Text

    rendered = markup("[bold]x[/bold] \x1b")
    console = Console(width=80, record=True, color_system=None)
    console.print(rendered)
    assert console.export_text().strip() == "[bold]x[/bold] \\x1b"
    assert isinstance(Text.from_markup(rendered), Text)
