"""The ways files name a value besides ``name = value`` (read by ``syntax.pairs``).

One line:

* command-line flags ``--password "..."``, ``--api-key VALUE``; PowerShell parameters
  ``-ClientSecret '...'``; ``ConvertTo-SecureString '...' -AsPlainText`` (a password);
* a ``(name, value)`` pair of literals in a call or list: ``os.environ.setdefault("X", "v")``,
  ``define('X', 'v')``, ``["--password", "v"]``;
* XML attributes ``<add key="ApiKey" value="..."/>``; JSON ``{"key": "api_key", "value":
  "..."}`` and ``"apiKey": {"value": "..."}`` (ARM parameters);
* Dockerfile ``ENV NAME value``; C ``#define NAME "..."``; ``aws configure set NAME VALUE``,
  ``git config NAME VALUE``; shell defaults ``${NAME:-value}``;
* fallbacks ``X = process.env.X || "v"``, ``key: process.env.X ?? "v"``;
* Markdown ``Set `X` to `v` `` and table rows ``| `X` | `v` |``;
* SQL ``INSERT INTO t (name, secret) VALUES ('...', '...')``: each column names its value.

Over a few lines (the name on the keyword's line, the value below it):

* a name then its value: Kubernetes ``- name: X`` / ``value: v``, Terraform ``variable "x"``
  / ``default = "v"`` and ``resource "t" "x"`` / ``value = "v"``, JSON ``"x": {`` /
  ``"value": "v"``, .NET ``<setting name="X">`` / ``<value>v</value>``;
* a value alone inside an element: ``<apiToken>`` / ``v`` / ``</apiToken>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# A quote, possibly escaped inside a JSON or code string (``\"`` in a notebook line).
OPEN = r"[bBrRuU]{0,2}\\{0,3}[\"'`]"
CLOSE = r"\\{0,3}[\"'`]"
QUOTED = r"(?P<quoted>[^\"'`\\\s]{1,300})"


@dataclass(frozen=True, slots=True)
class Form:
    """One syntax: its regex (groups ``name`` or ``name2``..., ``quoted``/``bare``), the
    strings one of which the window must hold for it to run, the name when the syntax implies
    one, and how many lines below the keyword's line the value may be."""

    regex: re.Pattern[str]
    needles: tuple[str, ...]
    name: str = ""
    lines_after: int = 0
    #: A bare value is a literal (a flag's argument), never an expression.
    literal: bool = True
    #: Where a match may start (searched on the keyword's lines only; ``regex`` is then
    #: matched there): forms whose value is below the name look no further than they must.
    head: re.Pattern[str] | None = None


FLAG = re.compile(
    r"(?<![\w-])--(?P<name>[A-Za-z][\w.-]{1,60})[ \t]+(?:"
    + OPEN
    + QUOTED
    + CLOSE
    + r"|(?P<bare>[^\s\"'`;|&<>()$\\-][^\s\"'`;|&<>()\\]{0,299}))(?=[\s;|&)\"'`]|$)"
)
# The first two items of a call or list; later items only after a flag (``"--password", "v"``):
# elsewhere in a list of strings, neighbours are not a name and its value.  Only the ``(``,
# ``[`` or ``,`` is consumed, so ``["app", "--token", "v"]`` also yields ``--token``'s pair.
CALL = re.compile(
    r"(?:[(\[]|,(?=[ \t]*\\{0,3}[\"'`]-))(?=[ \t]*\\{0,3}[\"'`]"
    r"(?P<name>-{0,2}[A-Za-z_][\w.-]{0,80})\\{0,3}[\"'`][ \t]*,[ \t]*" + OPEN + QUOTED + CLOSE + ")"
)
_PS_PARAM = re.compile(
    r"(?<![\w-])-(?P<name>[A-Za-z][A-Za-z0-9]{1,40})[ \t]+(?P<q>['\"])"
    r"(?P<quoted>[^\"'`\s]{1,300})(?P=q)"
)
_SECURE_STRING = re.compile(
    r"(?i:ConvertTo-SecureString)[ \t]+(?:-String[ \t]+)?(?P<q>['\"])(?P<quoted>[^\"'`\s]{1,300})"
    r"(?P=q)"
)
_XML = re.compile(
    r"(?<![\w-])(?i:name|key)[ \t]*=[ \t]*\\{0,3}[\"'](?P<name>[A-Za-z_][\w.:-]{0,80})"
    r"\\{0,3}[\"'][ \t]+(?i:value|defaultValue)[ \t]*=[ \t]*\\{0,3}[\"']"
    r"(?P<quoted>[^\"'\\\s<>]{1,300})\\{0,3}[\"']"
)
# JSON objects naming a value by members (Postman collections and environments, API
# specs): ``{"key": "api_key", "value": "..."}``, ``{"name": "X-Api-Key", "value": "..."}``.
_JSON_KV = re.compile(
    r"\\{0,3}\"(?:key|name)\\{0,3}\"[ \t]*:[ \t]*\\{0,3}\"(?P<name>[A-Za-z_][\w.:-]{0,80})"
    r"\\{0,3}\"[ \t]*,[ \t]*\\{0,3}\"value\\{0,3}\"[ \t]*:[ \t]*\\{0,3}\""
    r"(?P<quoted>[^\"\\\s]{1,300})\\{0,3}\""
)
_JSON_VALUE_OBJECT = re.compile(
    r"\\{0,3}\"(?P<name>[A-Za-z_][\w.:-]{0,80})\\{0,3}\"[ \t]*:[ \t]*\{[ \t]*\\{0,3}\"value"
    r"\\{0,3}\"[ \t]*:[ \t]*\\{0,3}\"(?P<quoted>[^\"\\\s]{1,300})\\{0,3}\""
)
_ENV = re.compile(
    r"(?m)^[ \t]*ENV[ \t]+(?P<name>[A-Za-z_][\w.-]{0,80})[ \t]+(?:[\"'](?P<quoted>[^\"'\s]{1,300})"
    r"[\"']|(?P<bare>[^\s\"'=][^\s]{0,299}))[ \t]*$"
)
_DEFINE = re.compile(
    r"(?m)^[ \t]*#[ \t]*define[ \t]+(?P<name>[A-Za-z_]\w{0,80})[ \t]+(?:[LuU]?\"(?P<quoted>"
    r"[^\"\\\s]{1,300})\"|(?P<bare>[^\s\"'()\\]{1,300}))[ \t]*(?:(?://|/\*)[^\n]*)?$"
)
_CONFIG_SET = re.compile(
    r"\b(?:configure[ \t]+set|config(?:[ \t]+set)?|user-secrets[ \t]+set)[ \t]+"
    r"(?:--?[\w-]+[ \t]+){0,3}(?P<name>[A-Za-z_][\w.:/-]{0,80})[ \t]+(?:(?P<q>['\"])"
    r"(?P<quoted>[^\"'`\s]{1,300})(?P=q)|(?P<bare>[^\s\"'`;|&<>()$\\-][^\s\"'`;|&<>()\\]{0,299}))"
)
_SHELL_DEFAULT = re.compile(r"\$\{(?P<name>[A-Za-z_]\w{0,80}):?[-=](?P<bare>[^\s}\"'`$]{1,300})\}")
_FALLBACK = re.compile(
    r"(?<![\w$@.-])(?P<name>[A-Za-z_$][\w$.]{0,80})\\{0,3}[\"']?[ \t]*(?:=(?!=)|:)[ \t]*"
    r"[^\n;=]{0,200}?(?:\|\||\?\?|\bor\b)[ \t]*" + OPEN + QUOTED + CLOSE
)
_MARKDOWN = re.compile(
    r"`(?P<name>[A-Za-z_][\w.-]{0,80})`[ \t]+(?:to|=|as|\|)[ \t]+`(?P<quoted>[^`\s]{1,300})`"
)

# -- over several lines ----------------------------------------------------------------------
#: A line between a name and its value that names nothing else (``name = "/prod/x"``, a path,
#: may stand between a Terraform resource's name and its value).
_BETWEEN = (
    r"(?:(?![^\n]*\b(?:name|key|variable|resource)\b[ \t\"':=]{0,6}[A-Za-z_])"
    r"[^\n]{0,160}+\n){0,3}?"
)
_VALUE_LINE = (
    r"[ \t]*(?:-[ \t]+)?\\{0,3}[\"']?(?:value|plaintext_value|secret_value|default|defaultValue)"
    r"\\{0,3}[\"']?[ \t]*[:=][ \t]*(?:\\{0,3}[\"'](?P<quoted>[^\"'`\\\s]{1,300})\\{0,3}[\"']"
    r"|(?P<bare>[^\s\"'`,;#<>{}\[\]&|!*][^\s\"'`,;<>{}\[\]]{0,299})[ \t]*$)"
    r"|[ \t]*<value\b[^<>\n]{0,80}>(?P<element>[^<\s]{1,300})</value>"
    r"|[ \t]*<value\b[^<>\n]{0,80}>[ \t]*\r?\n[ \t]*(?P<element2>[^<\s]{1,300})[ \t]*\r?\n"
    r"[ \t]*</value>"
)
_NAMED_HEAD = (
    r"(?m)(?:(?<![\w-])(?:name|key|secret_name|variable_name)\\{0,3}[\"']?[ \t]*[:=]"
    r"[ \t]*\\{0,3}[\"']?(?P<name>[A-Za-z_][\w.:-]{0,80})"
    r"|\b(?:variable|output)[ \t]+\"(?P<name2>[A-Za-z_][\w-]{0,80})\""
    r"|\bresource[ \t]+\"[\w-]{1,80}\"[ \t]+\"(?P<name3>[A-Za-z_][\w-]{0,80})\""
    r"|\"(?P<name4>[A-Za-z_][\w.:-]{0,80})\"[ \t]*:[ \t]*\{[ \t]*$)"
)
_NAMED_VALUE = re.compile(_NAMED_HEAD + r"[^\n]{0,160}+\n" + _BETWEEN + r"(?:" + _VALUE_LINE + r")")
_XML_BLOCK_HEAD = r"<(?P<name>[A-Za-z_][\w:.-]{0,60})(?:[ \t][^<>\n]{0,80})?>[ \t]*\r?\n"
_XML_BLOCK = re.compile(
    _XML_BLOCK_HEAD + r"[ \t]*(?P<quoted>[^<\s]{1,300})[ \t]*\r?\n[ \t]*</(?P=name)>"
)

FORMS: tuple[Form, ...] = (
    Form(FLAG, ("--",)),
    Form(CALL, (",",)),
    Form(_PS_PARAM, (" -",)),
    Form(_SECURE_STRING, ("SecureString", "securestring"), name="password"),
    Form(_XML, ("alue",)),
    Form(_JSON_KV, ('"value', 'value\\"')),
    Form(_JSON_VALUE_OBJECT, ('"value', 'value\\"')),
    Form(_ENV, ("ENV",)),
    Form(_DEFINE, ("define",)),
    Form(_CONFIG_SET, ("config", "user-secrets")),
    Form(_SHELL_DEFAULT, ("${",)),
    Form(_FALLBACK, ("||", "??", " or ")),
    Form(_MARKDOWN, ("`",)),
    Form(
        _NAMED_VALUE,
        ("name", "key", "variable", "resource", "{"),
        lines_after=4,
        literal=False,
        head=re.compile(_NAMED_HEAD),
    ),
    Form(_XML_BLOCK, ("<",), lines_after=2, head=re.compile(_XML_BLOCK_HEAD)),
)

# -- SQL INSERT ------------------------------------------------------------------------------
_INSERT = re.compile(
    r"(?i:insert[ \t]+into)[ \t]+[\w.\"`\[\]]{1,120}[ \t]*\((?P<columns>[^()\n]{1,400})\)[ \t]*"
    r"(?i:values)[ \t]*\((?P<values>(?:'(?:[^'\n]|'')*'|[^'()\n])*+)\)"
)
_SQL_ITEM = re.compile(r"[ \t]*(?:'(?P<quoted>(?:[^'\n]|'')*)'|(?P<other>[^,']*))[ \t]*(?:,|$)")
SQL_NEEDLES = ("VALUES", "values", "Values")


#: Columns that hold a setting's name, and the generic ones that hold the value it names:
#: ``(name, secret) VALUES ('smtp_password', '...')`` names the value ``smtp_password``.
_NAME_COLUMNS = frozenset("name key setting param parameter variable key_name setting_name".split())
_VALUE_COLUMNS = frozenset("value val secret data content setting_value config_value".split())
_IDENT = re.compile(r"^[A-Za-z_][\w.:-]{0,80}$")


def sql_inserts(text: str, a: int, b: int) -> Iterator[tuple[str, int, int]]:
    """``(name, start, end)`` of each quoted value in ``INSERT INTO t (cols) VALUES (...)``:
    named by its column, or by the row's name column when the column is a generic one."""
    for m in _INSERT.finditer(text, a, b):
        columns = [c.strip(' \t"`[]').lower() for c in m.group("columns").split(",")]
        pos, end = m.start("values"), m.end("values")
        row: list[tuple[str, int, int]] = []
        for column in columns:
            item = _SQL_ITEM.match(text, pos, end)
            if item is None or item.end() == pos:
                break
            if item.group("quoted") is not None and column:
                row.append((column, item.start("quoted"), item.end("quoted")))
            pos = item.end()
        names = [text[s:e] for c, s, e in row if c in _NAME_COLUMNS and _IDENT.match(text[s:e])]
        for column, s, e in row:
            if column in _NAME_COLUMNS:
                continue
            yield (names[0] if names and column in _VALUE_COLUMNS else column), s, e


__all__ = ["CALL", "CLOSE", "FLAG", "FORMS", "OPEN", "QUOTED", "SQL_NEEDLES", "Form", "sql_inserts"]
