"""Tokenizer for GitHub Actions expressions.

Mirrors ``actions/runner`` ``src/Sdk/Expressions/Tokens/LexicalAnalyzer.cs``: the same token
boundaries, the same keyword rule, the same number parsing (``ExpressionUtility.ParseNumber``)
and the same "a ``.`` starts a number unless it follows an operand" rule.  Characters that do
not form a legal token become ``UNEXPECTED`` tokens instead of raising at once, so the parser
reports the first problem in reading order, as the runner does.
"""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass

from scriptrunner.errors import ExpressionError

#: ``ExpressionConstants.MaxLength`` in the runner.
MAX_LENGTH = 21000

# Characters that end a keyword or number token (``LexicalAnalyzer.TestTokenBoundary``).
# Note that ``*`` and ``'`` are *not* boundaries: ``a*`` is one (illegal) token.
_BOUNDARY = frozenset("([)],.!><=&|")
_TWO_CHAR_OPS = frozenset({"!=", ">=", "<=", "==", "&&", "||"})
_ONE_CHAR_OPS = frozenset({"!", ">", "<"})
_SINGLE = {
    "(": "LPAREN",
    ")": "RPAREN",
    "[": "LBRACKET",
    "]": "RBRACKET",
    ",": "COMMA",
    "*": "STAR",
}
# JavaScript Number()-like decimal syntax accepted by .NET Double.TryParse with
# AllowLeadingSign | AllowDecimalPoint | AllowExponent ("1.", ".5", "+1", "1e-3").
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_OCT_DIGITS = frozenset("01234567")


class TokenKind(enum.Enum):
    """Kinds of expression tokens."""

    LPAREN = "("
    RPAREN = ")"
    LBRACKET = "["
    RBRACKET = "]"
    COMMA = ","
    DOT = "."
    STAR = "*"
    OPERATOR = "operator"
    NUMBER = "number"
    STRING = "string"
    NULL = "null"
    BOOLEAN = "boolean"
    IDENTIFIER = "identifier"
    UNEXPECTED = "unexpected"
    EOF = "end of expression"


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, the raw source text, its 0-based offset and parsed value."""

    kind: TokenKind
    raw: str
    pos: int
    value: object = None


def is_legal_identifier(text: str) -> bool:
    """Whether ``text`` is a legal keyword (``ExpressionUtility.IsLegalKeyword``).

    The first character is an ASCII letter or ``_``; the rest may also be digits or ``-``.
    """
    if not text or not (text[0].isascii() and (text[0].isalpha() or text[0] == "_")):
        return False
    return all(c.isascii() and (c.isalnum() or c in "_-") for c in text[1:])


def _int32(value: int) -> float:
    # .NET Int32.TryParse(hex) / Convert.ToInt32(s, 8) read the digits as a 32-bit pattern:
    # 0xffffffff is -1 and anything wider overflows (NaN here).
    if value > 0xFFFFFFFF:
        return math.nan
    return float(value - 2**32 if value >= 2**31 else value)


def parse_number(text: str) -> float:
    """Convert a string to a number the way GitHub does (``ExpressionUtility.ParseNumber``).

    Follows JavaScript's ``Number()``: surrounding whitespace is ignored, the empty string is
    ``0``, decimal/exponent forms, ``0x`` hex, ``0o`` octal and ``Infinity`` with an optional
    sign are accepted, and anything else is ``NaN``.  Like .NET's ``Double.TryParse``, which
    the runner calls, the infinity symbol is matched ignoring case (``+infinity``).
    """
    s = text.strip()
    if not s:
        return 0.0
    if _DECIMAL.match(s):
        return float(s)  # overflow gives +-inf, as .NET Core 3.0+ does
    if len(s) > 2 and s[0] == "0" and s[1] == "x" and all(c in _HEX_DIGITS for c in s[2:]):
        return _int32(int(s[2:], 16))
    if len(s) > 2 and s[0] == "0" and s[1] == "o" and all(c in _OCT_DIGITS for c in s[2:]):
        return _int32(int(s[2:], 8))
    symbol = s.lower()
    if symbol in ("infinity", "+infinity"):
        return math.inf
    if symbol == "-infinity":
        return -math.inf
    return math.nan


def _is_boundary(c: str) -> bool:
    return c in _BOUNDARY or c.isspace()


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.tokens: list[Token] = []

    def _last_kind(self) -> TokenKind | None:
        return self.tokens[-1].kind if self.tokens else None

    def _add(self, kind: TokenKind, start: int, value: object = None) -> None:
        self.tokens.append(Token(kind, self.text[start : self.i], start, value))

    def run(self) -> list[Token]:
        text = self.text
        while self.i < len(text):
            c = text[self.i]
            start = self.i
            if c.isspace():
                self.i += 1
            elif c in _SINGLE:
                self.i += 1
                self._add(TokenKind[_SINGLE[c]], start)
            elif c == "'":
                self._string(start)
            elif c in "!<>=&|":
                self._operator(start)
            elif c == ".":
                # A '.' starts a number (".5") where an operand is expected, otherwise it is
                # the property dereference operator.
                if self._last_kind() in (
                    None,
                    TokenKind.COMMA,
                    TokenKind.LPAREN,
                    TokenKind.LBRACKET,
                    TokenKind.OPERATOR,
                ):
                    self._number(start)
                else:
                    self.i += 1
                    self._add(TokenKind.DOT, start)
            elif c in "+-" or "0" <= c <= "9":
                self._number(start)
            else:
                self._keyword(start)
        self.tokens.append(Token(TokenKind.EOF, "", len(text)))
        return self.tokens

    def _number(self, start: int) -> None:
        self.i += 1
        while self.i < len(self.text) and (
            not _is_boundary(self.text[self.i]) or self.text[self.i] == "."
        ):
            self.i += 1
        value = parse_number(self.text[start : self.i])
        # NaN means the characters are not a number at all ("1x", "-a", "1.2.3").
        self._add(TokenKind.UNEXPECTED if math.isnan(value) else TokenKind.NUMBER, start, value)

    def _keyword(self, start: int) -> None:
        self.i += 1
        while self.i < len(self.text) and not _is_boundary(self.text[self.i]):
            self.i += 1
        raw = self.text[start : self.i]
        if not is_legal_identifier(raw):
            self._add(TokenKind.UNEXPECTED, start)
        elif self._last_kind() is TokenKind.DOT:
            self._add(TokenKind.IDENTIFIER, start, raw)  # a property name, even "null" or "true"
        elif raw == "null":
            self._add(TokenKind.NULL, start, None)
        elif raw in ("true", "false"):
            self._add(TokenKind.BOOLEAN, start, raw == "true")
        elif raw == "NaN":
            self._add(TokenKind.NUMBER, start, math.nan)
        elif raw == "Infinity":
            self._add(TokenKind.NUMBER, start, math.inf)
        else:
            self._add(TokenKind.IDENTIFIER, start, raw)

    def _string(self, start: int) -> None:
        text = self.text
        self.i += 1
        chars: list[str] = []
        while self.i < len(text):
            c = text[self.i]
            self.i += 1
            if c == "'":
                if self.i >= len(text) or text[self.i] != "'":
                    self._add(TokenKind.STRING, start, "".join(chars))
                    return
                self.i += 1  # '' is an escaped single quote
            chars.append(c)
        self._add(TokenKind.UNEXPECTED, start)  # unterminated string

    def _operator(self, start: int) -> None:
        two = self.text[start : start + 2]
        if two in _TWO_CHAR_OPS:
            self.i += 2
            self._add(TokenKind.OPERATOR, start, two)
            return
        self.i += 1
        if self.text[start] in _ONE_CHAR_OPS:
            self._add(TokenKind.OPERATOR, start, self.text[start])
            return
        # A lone '=', '&' or '|': swallow the rest of the word for the error message.
        while self.i < len(self.text) and not _is_boundary(self.text[self.i]):
            self.i += 1
        self._add(TokenKind.UNEXPECTED, start)


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, always ending with an ``EOF`` token.

    Raises ``ExpressionError`` only when the text is longer than GitHub's limit; illegal
    characters become ``UNEXPECTED`` tokens for the parser to report.
    """
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"exceeded max expression length {MAX_LENGTH}", expression=text[:80] + "..."
        )
    return _Lexer(text).run()
