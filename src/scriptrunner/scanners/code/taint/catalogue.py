"""What the taint analysis knows, as data: the sink classes (one rule each) and the sources
of untrusted data.  Names are qualified the way the code imports them (``sys.argv``,
``flask.request``).  The sinks are ``sinks.py``; how data moves between sources and sinks
(sanitisers, propagators, guards) is ``propagation.py``.  docs/code-analysis.md ("Taint
analysis") lists the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from scriptrunner.findings.model import Severity
from scriptrunner.scanners.code.severity import TAINT

#: Bump when the catalogue or the analysis changes what it reports (cached results go).
CATALOGUE_VERSION = "2"


@dataclass(frozen=True, slots=True)
class TaintRule:
    """One sink class: its rule id, title, what the sink is, CWE ids (its severity is the
    calibration table's); and the rules of the other tools reporting the same issue under
    other CWE ids (a finding of theirs on the same line is merged with ours; ones sharing a
    CWE id merge anyway)."""

    rule_id: str
    title: str
    what: str
    cwe: tuple[int, ...]
    same_as: tuple[str, ...] = ()

    @property
    def severity(self) -> Severity:
        """The level of the one calibration table (``scanners.code.severity.TAINT``)."""
        return TAINT[self.rule_id].severity


RULES: dict[str, TaintRule] = {
    "shell": TaintRule(
        "taint-shell-injection",
        "Untrusted data runs as a shell command",
        "a shell command",
        (78,),
    ),
    "code": TaintRule(
        "taint-code-injection",
        "Untrusted data evaluated as Python code",
        "Python code that is evaluated",
        (95, 94),
    ),
    "deserialization": TaintRule(
        "taint-deserialization",
        "Untrusted data given to a deserialiser that can run code",
        "a deserialiser that can run code",
        (502,),
    ),
    "template": TaintRule(
        "taint-template-injection",
        "Untrusted data used as the source of a template",
        "the source of a template",
        (1336, 94),
    ),
    "sql": TaintRule(
        "taint-sql-injection",
        "Untrusted data in the text of an SQL statement",
        "the text of an SQL statement",
        (89,),
    ),
    "ssrf": TaintRule(
        "taint-ssrf",
        "Untrusted data chooses where an outbound request goes",
        "the URL or host of an outbound request",
        (918,),
        ("bandit.B310",),  # urlopen of a URL that is not checked
    ),
    "path": TaintRule(
        "taint-path-traversal",
        "Untrusted data in a filesystem path",
        "a filesystem path",
        (22,),
    ),
    "xss": TaintRule(
        "taint-xss",
        "Untrusted data in HTML that is not escaped",
        "HTML that is not escaped",
        (79,),
    ),
    "redirect": TaintRule(
        "taint-open-redirect",
        "Untrusted data chooses where a redirect goes",
        "the target of a redirect",
        (601,),
    ),
    "xxe": TaintRule(
        "taint-xxe",
        "Untrusted XML parsed by a parser that resolves external entities",
        "an XML parser that resolves external entities",
        (611,),
    ),
}
SINK_CLASSES = frozenset(RULES)
#: Classes where the data becomes code or a query: what low-confidence sources can reach.
EXECUTION = frozenset({"shell", "code", "deserialization", "template", "sql", "xxe"})


@dataclass(frozen=True, slots=True)
class SourceKind:
    """Where untrusted data comes from, how sure we are an attacker controls it, and which
    sink classes it is reported at (``under_base``: path sinks only when the data is joined
    under a base directory -- traversal -- not when it is the whole path; ``local``: the
    user running the program gives it, who can open any file they may anyway, so traversal
    from it alone is a WARNING, not a HIGH)."""

    label: str
    confidence: str
    reaches: frozenset[str]
    under_base: bool = False
    local: bool = False


#: A mark in a fact's ``safe`` set (not a sink class): the data is placed under a base path
#: (``os.path.join(BASE, x)``, ``Path(BASE) / x``, ``f"{BASE}/{x}"``).
UNDER_BASE = "+under-base"
#: What the user running a program gives it (its arguments, its input) is theirs to choose:
#: a command, code, a query or a template built from it is injection, a path under a base
#: directory is traversal; a whole path or a URL is what the program is asked to use.
LOCAL_USER = EXECUTION | {"path"}

SOURCE_KINDS: dict[str, SourceKind] = {
    "http": SourceKind("HTTP request data", "HIGH", SINK_CLASSES),
    "argv": SourceKind(
        "a command-line argument", "MEDIUM", LOCAL_USER, under_base=True, local=True
    ),
    "stdin": SourceKind("standard input", "MEDIUM", LOCAL_USER, under_base=True, local=True),
    "socket": SourceKind("data received on a socket", "MEDIUM", SINK_CLASSES),
    "env": SourceKind("an environment variable", "LOW", EXECUTION),
    "file": SourceKind("the contents of a file", "LOW", EXECUTION),
    "response": SourceKind("the body of an HTTP response", "LOW", EXECUTION),
}

# -- sources --------------------------------------------------------------------------------

#: Module-level objects that are the current request (``from flask import request``).
REQUEST_OBJECTS = frozenset({"flask.request", "quart.request", "bottle.request"})
#: The type given to a request object (a request parameter, ``flask.request``).
REQUEST = "<request>"
#: Parameter annotations (last name) and names that make a parameter a request object.
REQUEST_TYPES = frozenset({"Request", "HttpRequest", "WSGIRequest", "ASGIRequest"})
REQUEST_PARAMS = frozenset({"request", "req"})
#: Attributes of a request object holding client data (Flask/Werkzeug, Django, DRF, Starlette).
REQUEST_ATTRS = frozenset(
    {
        *("args", "form", "values", "json", "files", "headers", "cookies", "data", "stream"),
        *("view_args", "query_string", "input_stream", "GET", "POST", "COOKIES", "META"),
        *("body", "FILES", "query_params", "path_params"),
    }
)
#: Methods of a request object returning client data.
REQUEST_METHODS = frozenset(
    {"get_json", "get_data", "json", "body", "form", "stream", "read", "readline", "readlines"}
)
#: Values that are untrusted wherever they are read.
VALUE_SOURCES = {
    "sys.argv": "argv",
    "sys.stdin": "stdin",
    "os.environ": "env",
    "os.environb": "env",
}
#: Calls whose result is untrusted.
CALL_SOURCES = {
    "builtins.input": "stdin",
    "builtins.raw_input": "stdin",
    "fileinput.input": "stdin",
    "os.getenv": "env",
    "os.getenvb": "env",
}
#: Methods (any receiver) whose result is untrusted.
METHOD_SOURCES = {
    "parse_args": "argv",
    "parse_known_args": "argv",
    "recv": "socket",
    "recvfrom": "socket",
    "recvmsg": "socket",
    "receive_text": "http",
    "receive_bytes": "http",
    "receive_json": "http",
}
#: Decorator attribute names registering a web route: the function's parameters are sources.
ROUTE_DECORATORS = frozenset(
    {"route", "get", "post", "put", "patch", "delete", "head", "options", "api_route", "websocket"}
)
#: Decorators (qualified, or attribute names) making a function a command-line entry point.
CLI_DECORATORS = frozenset({"click.command", "click.option", "click.argument", "command"})
#: Parameter annotations (last name) a framework converts or validates: not a source.
SAFE_PARAM_TYPES = frozenset(
    {"int", "float", "bool", "UUID", "date", "datetime", "time", "Decimal", "IPv4Address"}
)
#: Parameter annotations of objects a framework injects, which are not client data.
INJECTED_TYPES = frozenset(
    {"Response", "BackgroundTasks", "WebSocket", "Session", "AsyncSession", "SecurityScopes"}
)
#: Parameter defaults marking an injected dependency (FastAPI).
DEPENDENCY_DEFAULTS = frozenset({"Depends", "Security"})
#: Flask route converters that only match numbers or UUIDs.
SAFE_CONVERTERS = frozenset({"int", "float", "uuid"})
