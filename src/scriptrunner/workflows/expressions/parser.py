"""Parser for GitHub Actions expressions (the tree it builds is in :mod:`.nodes`).

A recursive-descent parser that accepts exactly what ``actions/runner``'s
``ExpressionParser.cs`` accepts.  Precedence, loosest first (``Token.Precedence`` in the
runner): ``||`` < ``&&`` < ``==`` ``!=`` < ``<`` ``<=`` ``>`` ``>=`` < ``!`` < ``[ ]`` ``.``;
binary operators associate to the left.  Like the runner:

* ``[ ]`` and ``.`` may only follow a context name, a function call, a parenthesised group or
  another index (``'abc'[0]`` and ``1.foo`` are syntax errors);
* nested ``&&`` (and ``||``) chains are flattened into one n-ary node;
* function names are checked (case-insensitively) with their argument counts at parse time;
* trees deeper than 50 levels are rejected (``ExpressionConstants.MaxDepth``);
* the empty expression is ``null`` (``CreateTree`` returns no tree, which evaluates to null);
* when the context names are given, an unknown name is reported where it is read, so it
  comes before any later syntax error (the runner checks named values while parsing);
* "unexpected end of expression" points at the last token read, as the runner's does.
"""

from __future__ import annotations

from collections.abc import Iterable

from scriptrunner.errors import ExpressionError
from scriptrunner.workflows.expressions.lexer import Token, TokenKind, tokenize
from scriptrunner.workflows.expressions.nodes import (
    STATUS_FUNCTIONS,
    Binary,
    ContextAccess,
    FunctionCall,
    Index,
    Literal,
    Logical,
    Node,
    Not,
    Wildcard,
    children,
)
from scriptrunner.workflows.expressions.values import fold

MAX_DEPTH = 50
# Recursion guard: how deeply groups, calls, indexes and '!' may nest while parsing.  Deeper
# (legal only with redundant parentheses) input is rejected rather than overflowing the stack.
_MAX_NESTING = 100

#: Known functions, lower-cased, with (min, max) argument counts (``ExpressionConstants``).
FUNCTIONS: dict[str, tuple[int, int]] = {
    "contains": (2, 2),
    "startswith": (2, 2),
    "endswith": (2, 2),
    "format": (1, 255),
    "join": (1, 2),
    "tojson": (1, 1),
    "fromjson": (1, 1),
    "case": (3, 255),
    "hashfiles": (1, 255),
    **dict.fromkeys(STATUS_FUNCTIONS, (0, 0)),
}
_PRECEDENCE = {"||": 5, "&&": 6, "==": 10, "!=": 10, "<": 11, "<=": 11, ">": 11, ">=": 11}


def _check_depth(node: Node, source: str) -> None:
    # ExpressionParser.CheckMaxDepth: every node, leaves included, counts one level.
    stack = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(
                f"exceeded max expression depth {MAX_DEPTH}",
                expression=source,
                position=current.pos,
            )
        stack.extend((child, depth + 1) for child in children(current))


def unknown_context(name: str, pos: int, source: str, available: Iterable[str]) -> ExpressionError:
    """The error for a context name that is not one of ``available``."""
    names = ", ".join(sorted(available)) or "none"
    return ExpressionError(
        f"unknown context {name!r} (available: {names})", expression=source, position=pos
    )


def status_outside_condition(name: str, pos: int, source: str) -> ExpressionError:
    """The error for a status function (``failure()``...) called outside an ``if:``."""
    return ExpressionError(
        f"{name}() is only available in if: conditions", expression=source, position=pos
    )


class _Parser:
    def __init__(self, source: str, contexts: Iterable[str] | None, status_functions: bool) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.i = 0
        self.nesting = 0
        self.contexts = None if contexts is None else sorted(str(name) for name in contexts)
        self.known = None if contexts is None else {fold(name) for name in self.contexts or ()}
        self.status_functions = status_functions

    # -- helpers ---------------------------------------------------------------------------
    def _peek(self) -> Token:
        return self.tokens[self.i]

    def _advance(self) -> Token:
        token = self.tokens[self.i]
        if token.kind is not TokenKind.EOF:
            self.i += 1
        return token

    def _match(self, kind: TokenKind) -> Token | None:
        return self._advance() if self._peek().kind is kind else None

    def _error(self, reason: str, pos: int | None) -> ExpressionError:
        return ExpressionError(reason, expression=self.source, position=pos)

    def _unexpected(self, token: Token) -> ExpressionError:
        if token.kind is TokenKind.EOF:
            last = self.tokens[self.i - 1] if self.i > 0 else token
            return self._error(f"unexpected end of expression after {last.raw!r}", last.pos)
        return self._error(f"unexpected token {token.raw!r}", token.pos)

    def _expect(self, kind: TokenKind) -> Token:
        token = self._match(kind)
        if token is None:
            raise self._unexpected(self._peek())
        return token

    def _enter(self) -> None:
        self.nesting += 1
        if self.nesting > _MAX_NESTING:
            raise self._error(f"exceeded max expression depth {MAX_DEPTH}", self._peek().pos)

    # -- grammar ---------------------------------------------------------------------------
    def parse(self) -> Node:
        if self._peek().kind is TokenKind.EOF:
            return Literal(None, 0)  # the empty expression is null
        node = self._expression()
        if self._peek().kind is not TokenKind.EOF:
            raise self._unexpected(self._peek())
        _check_depth(node, self.source)
        return node

    def _expression(self) -> Node:
        self._enter()
        try:
            return self._binary(0)
        finally:
            self.nesting -= 1

    def _binary(self, min_precedence: int) -> Node:
        # Precedence climbing; every binary operator is left-associative.
        left = self._unary()
        while True:
            token = self._peek()
            precedence = (
                _PRECEDENCE.get(str(token.value)) if token.kind is TokenKind.OPERATOR else None
            )
            if precedence is None or precedence < min_precedence:
                return left
            self._advance()
            right = self._binary(precedence + 1)
            op = str(token.value)
            if op in ("&&", "||"):
                operands: list[Node] = []
                for side in (left, right):  # flatten like the runner's FlushTopOperator
                    if isinstance(side, Logical) and side.op == op:
                        operands.extend(side.operands)
                    else:
                        operands.append(side)
                pos = left.pos if isinstance(left, Logical) and left.op == op else token.pos
                left = Logical(op, tuple(operands), pos)
            else:
                left = Binary(op, left, right, token.pos)

    def _unary(self) -> Node:
        token = self._peek()
        if token.kind is TokenKind.OPERATOR and token.value == "!":
            self._advance()
            self._enter()
            try:
                return Not(self._unary(), token.pos)
            finally:
                self.nesting -= 1
        return self._postfix()

    def _postfix(self) -> Node:
        node, indexable = self._primary()
        while indexable:
            if (bracket := self._match(TokenKind.LBRACKET)) is not None:
                star = self._match(TokenKind.STAR)
                index = Wildcard(star.pos) if star is not None else self._expression()
                self._expect(TokenKind.RBRACKET)
                node = Index(node, index, bracket.pos)
            elif (dot := self._match(TokenKind.DOT)) is not None:
                name = self._advance()
                if name.kind is TokenKind.IDENTIFIER:
                    node = Index(node, Literal(name.raw, name.pos), dot.pos)
                elif name.kind is TokenKind.STAR:
                    node = Index(node, Wildcard(name.pos), dot.pos)
                else:
                    raise self._unexpected(name)
            else:
                break
        return node

    def _primary(self) -> tuple[Node, bool]:
        """Parse an operand; the flag says whether ``[ ]`` / ``.`` may follow it."""
        token = self._advance()
        if token.kind in (TokenKind.NUMBER, TokenKind.STRING, TokenKind.NULL, TokenKind.BOOLEAN):
            return Literal(token.value, token.pos), False
        if token.kind is TokenKind.LPAREN:
            inner = self._expression()
            self._expect(TokenKind.RPAREN)
            return inner, True
        if token.kind is TokenKind.IDENTIFIER:
            if self._peek().kind is TokenKind.LPAREN:
                return self._call(token), True
            if self.known is not None and fold(token.raw) not in self.known:
                raise unknown_context(token.raw, token.pos, self.source, self.contexts or ())
            return ContextAccess(token.raw, token.pos), True
        raise self._unexpected(token)

    def _call(self, name: Token) -> FunctionCall:
        limits = FUNCTIONS.get(name.raw.lower())
        if limits is None:
            raise self._error(f"unknown function {name.raw!r}", name.pos)
        if not self.status_functions and name.raw.lower() in STATUS_FUNCTIONS:
            raise status_outside_condition(name.raw, name.pos, self.source)
        self._advance()  # '('
        args: list[Node] = []
        if self._match(TokenKind.RPAREN) is None:
            while True:
                args.append(self._expression())
                if self._match(TokenKind.COMMA) is None:
                    self._expect(TokenKind.RPAREN)
                    break
        low, high = limits
        expects = f"{low}" if low == high else f"{low} to {high}"
        if len(args) < low:
            raise self._error(
                f"too few arguments for {name.raw}() (expects {expects}, got {len(args)})", name.pos
            )
        if len(args) > high:
            raise self._error(
                f"too many arguments for {name.raw}() (expects {expects}, got {len(args)})",
                name.pos,
            )
        if name.raw.lower() == "case" and len(args) % 2 == 0:
            raise self._error(
                f"case() needs an odd number of arguments (predicate/value pairs and a default), got {len(args)}",
                name.pos,
            )
        return FunctionCall(name.raw, tuple(args), name.pos)


def parse(
    source: str, contexts: Iterable[str] | None = None, *, status_functions: bool = True
) -> Node:
    """Parse one expression (without ``${{ }}``) into a tree; raise ``ExpressionError``.

    With ``contexts`` (the available context names), a name not among them is an error
    where it is read; without ``status_functions``, so is a call of ``success()`` & co.
    """
    try:
        return _Parser(source, contexts, status_functions).parse()
    except RecursionError:  # pragma: no cover - only with a tiny interpreter stack
        raise ExpressionError(
            f"exceeded max expression depth {MAX_DEPTH}", expression=source
        ) from None
