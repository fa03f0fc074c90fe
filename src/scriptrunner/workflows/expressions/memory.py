"""The memory limit of expression evaluation, measured the way GitHub's runner measures it.

GitHub stops an expression whose values grow too large with "The maximum allowed memory
size was exceeded" (``EvaluationMemory`` and ``MemoryCounter`` in ``actions/runner``).  The
limit is 1 MiB, counted in the runner's estimate of .NET memory: a string costs 26 bytes
plus 2 per UTF-16 code unit, any other value 24.  Two budgets share that limit:

* :class:`MemoryCounter` -- one per function call that builds a string (``format``,
  ``join``, ``toJSON``): every piece it appends is counted before the string is joined;
* :class:`EvaluationMemory` -- one per evaluation: the value of every node still held, by
  depth in the tree.  A new primitive value (a string built by a function, a comparison)
  replaces what was counted below it; a value that refers into existing data (a context,
  a property of it, an object filter) does not.  So ``startsWith(format(...),
  format(...))`` holds both strings at once, as on GitHub.
"""

from __future__ import annotations

from collections.abc import Callable

from scriptrunner.errors import ExpressionError

#: ``EvaluationOptions.MaxMemory``'s default in the runner: 1 MiB.
MAX_MEMORY = 1_048_576
#: What the runner counts for a value that is not a string, and for a string's header.
MIN_OBJECT_SIZE = 24
STRING_OVERHEAD = 26
#: What an object filter counts per item (a pointer).
POINTER_SIZE = 8

Fail = Callable[[str], ExpressionError]


def limit_reason(limit: int = MAX_MEMORY) -> str:
    """The reason of the error; it starts with GitHub's own words."""
    return (
        f"The maximum allowed memory size was exceeded ({limit:,} bytes for the values of one "
        "expression, GitHub's limit); build smaller strings, e.g. fewer or shorter format() "
        "or join() arguments"
    )


def string_bytes(text: str) -> int:
    """The runner's size of a string: 26 bytes plus 2 per UTF-16 code unit."""
    units = len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2
    return STRING_OVERHEAD + 2 * units


def value_bytes(value: object) -> int:
    """The runner's size of a value (``EvaluationMemory.CalculateBytes``)."""
    return string_bytes(value) if isinstance(value, str) else MIN_OBJECT_SIZE


class MemoryCounter:
    """Counts the pieces one function appends; ``fail`` builds the error past ``limit``."""

    def __init__(self, fail: Fail, limit: int = MAX_MEMORY) -> None:
        self._fail = fail
        self._limit = limit
        self.bytes = 0

    def add(self, piece: str) -> None:
        """Count ``piece`` (empty pieces are not appended, so not counted)."""
        if piece:
            self.bytes += string_bytes(piece)
            if self.bytes > self._limit:
                raise self._fail(limit_reason(self._limit))


class EvaluationMemory:
    """The bytes held by the values of one evaluation, by depth in the tree."""

    def __init__(self, limit: int = MAX_MEMORY) -> None:
        self._limit = limit
        self._depths: list[int] = []
        self.total = 0

    def add(self, depth: int, amount: int, fail: Fail, *, release_deeper: bool) -> None:
        """Count ``amount`` bytes at ``depth``; with ``release_deeper``, first forget what
        was counted deeper (the new value no longer needs its operands)."""
        if release_deeper:
            while len(self._depths) > depth + 1:
                self.total -= self._depths.pop()
        while len(self._depths) <= depth:
            self._depths.append(0)
        self._depths[depth] += amount
        self.total += amount
        if self.total > self._limit:
            raise fail(limit_reason(self._limit))
