"""Finding ``${{ ... }}`` in text: where each expression starts and what it holds.

Pure text scanning, no parsing: :func:`find_expressions` is what both the loader's checks
(:mod:`.check`) and evaluation (:mod:`.evaluate`) use to cut templates into expressions.
"""

from __future__ import annotations

from scriptrunner.errors import ExpressionError

START, END = "${{", "}}"


def find_expressions(text: str) -> list[tuple[int, str]]:
    """The ``${{ ... }}`` spans in ``text`` as (offset of ``${{``, inner text) pairs.

    Like the runner's ``TemplateReader.ParseScalar``: an expression ends at the first ``}}``
    outside a single-quoted string (``'a''b'`` escapes toggle twice, so they need no special
    case).  An unclosed ``${{`` is an ``ExpressionError``, and so is an empty ``${{ }}``
    (the runner's ``TemplateReader``: "An expression was expected"), although the empty
    expression itself is ``null``.
    """
    spans: list[tuple[int, str]] = []
    start = text.find(START)
    while start >= 0:
        in_string = False
        end = -1
        for i in range(start + len(START), len(text)):
            if text[i] == "'":
                in_string = not in_string
            elif not in_string and text[i] == "}" and text[i - 1] == "}":
                end = i
                break
        if end < 0:
            raise ExpressionError(
                "the expression is not closed: '${{' without a matching '}}'",
                expression=text,
                position=start,
            )
        inner = text[start + len(START) : end - 1]
        if not inner.strip():
            raise ExpressionError(
                "an expression was expected inside '${{ }}'; write one, or remove the '${{ }}'",
                expression=text,
                position=start,
            )
        spans.append((start, inner))
        start = text.find(START, end + 1)
    return spans


def is_whole(text: str, spans: list[tuple[int, str]]) -> bool:
    """Whether the (stripped) ``text`` is exactly one ``${{ }}`` and nothing else."""
    return (
        len(spans) == 1
        and spans[0][0] == 0
        and len(spans[0][1]) + len(START) + len(END) == len(text)
    )


def _whole_expression(text: str) -> str | None:
    """The inner expression when ``text`` (already stripped) is exactly one ``${{ }}``."""
    if not text.startswith(START):
        return None
    spans = find_expressions(text)
    if is_whole(text, spans):
        return spans[0][1]
    raise ExpressionError(
        "expected one expression but got text around '${{ }}'; use render_template() for templates",
        expression=text,
    )


def unwrap(expr: str) -> str:
    """``expr`` stripped, without its ``${{ }}`` when it is exactly one."""
    text = expr.strip()
    inner = _whole_expression(text)
    return text if inner is None else inner.strip()
