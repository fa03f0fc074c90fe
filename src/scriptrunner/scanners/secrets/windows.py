"""Where a rule looks: windows of text around its keyword hits, and context words near a
match.

A window is the hit's line plus the lines the rule asks for before and after it; windows
that overlap are merged, and on very long lines (minified files) a window is clipped around
the hit so a rule cannot become quadratic.
"""

from __future__ import annotations

from scriptrunner.scanners.secrets.rules import Rule

#: Lines longer than this are searched only near each keyword hit.
LONG_LINE = 8192
_CLIP_BEFORE = 2048
_CLIP_AFTER = 6144


def windows(text: str, positions: list[int], before: int, after: int) -> list[tuple[int, int]]:
    """Merged ``[start, end)`` ranges: each hit's line plus ``before``/``after`` lines."""
    out: list[tuple[int, int]] = []
    size = len(text)
    for p in sorted(positions):
        if out and p < out[-1][1] and not before and not after:
            continue  # same line (or window) as the previous hit
        a = text.rfind("\n", 0, p) + 1
        for _ in range(before):
            if a == 0:
                break
            a = text.rfind("\n", 0, a - 1) + 1
        b = text.find("\n", p)
        b = size if b < 0 else b
        for _ in range(after):
            if b >= size:
                break
            nxt = text.find("\n", b + 1)
            b = size if nxt < 0 else nxt
        if b - a > LONG_LINE:
            a, b = max(a, p - _CLIP_BEFORE), min(b, p + _CLIP_AFTER)
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def near_context(rule: Rule, low: str, path: str, pos: int) -> bool:
    """One of the rule's context words is near ``pos`` (or in the path)."""
    lowpath = path.lower()
    if any(w in lowpath for w in rule.context):
        return True
    if rule.context_lines < 0:
        return any(w in low for w in rule.context)
    a = pos
    for _ in range(rule.context_lines + 1):
        a = low.rfind("\n", 0, a - 1) + 1 if a > 0 else 0
    b = pos
    for _ in range(rule.context_lines + 1):
        nxt = low.find("\n", b + 1)
        b = len(low) if nxt < 0 else nxt
    window = low[a:b]
    return any(w in window for w in rule.context)


__all__ = ["LONG_LINE", "near_context", "windows"]
