"""How data moves, as data: sanitisers, the calls and methods that pass taint on, the types
calls return, and the tests that guard a sink.

The rule that keeps precision high: a call the analysis does not know (neither a function of
the scanned project, with its summary, nor listed here) returns clean data, whatever its
arguments -- except a method called on tainted data that builds strings, reads a container
or a stream, or builds a path (``STRING_METHODS``, ``CONTAINER_READS``, ``STREAM_READS``,
``PATH_METHODS``): their result carries the taint of the receiver (and, for string methods,
of the arguments).
"""

from __future__ import annotations

import re

from scriptrunner.scanners.code.taint.catalogue import SINK_CLASSES

EVERY = SINK_CLASSES

#: Calls whose result is safe for these sink classes (``EVERY``: clean; empty: the data
#: passes through unchanged in what matters).
SANITISERS: dict[str, frozenset[str]] = {
    **dict.fromkeys(("shlex.quote", "pipes.quote"), frozenset({"shell"})),
    **dict.fromkeys(
        (
            "builtins.int",
            "builtins.float",
            "builtins.bool",
            "builtins.complex",
            "builtins.len",
            "builtins.abs",
            "builtins.round",
            "builtins.hash",
            "builtins.ord",
            "uuid.UUID",
            "decimal.Decimal",
            "fractions.Fraction",
        ),
        EVERY,
    ),
    **dict.fromkeys(
        ("ipaddress.ip_address", "ipaddress.IPv4Address", "ipaddress.IPv6Address"),
        EVERY - {"ssrf"},
    ),
    **dict.fromkeys(
        ("werkzeug.utils.secure_filename", "werkzeug.secure_filename"),
        frozenset({"path", "shell", "xss"}),
    ),
    **dict.fromkeys(
        ("os.path.basename", "posixpath.basename", "ntpath.basename"), frozenset({"path"})
    ),
    # Percent-encoding keeps a host a host: in a URL's path the data is harmless anyway
    # (``strings.placed``), as the whole URL or its host it is not.  quote() keeps "/";
    # quote_plus() and urlencode() encode it: no path traversal, no "//host" redirect.
    "urllib.parse.quote": frozenset(),
    **dict.fromkeys(
        ("urllib.parse.quote_plus", "urllib.parse.urlencode"), frozenset({"redirect", "path"})
    ),
    **dict.fromkeys(
        (
            "markupsafe.escape",
            "html.escape",
            "flask.escape",
            "jinja2.escape",
            "cgi.escape",
            "xml.sax.saxutils.escape",
            "django.utils.html.escape",
            "django.utils.html.conditional_escape",
            "bleach.clean",
            "markupsafe.Markup.escape",
        ),
        frozenset({"xss"}),
    ),
    # Markup("<b>{}</b>").format(x) and format_html(...) escape what they insert.
    **dict.fromkeys(
        ("markupsafe.Markup.format", "django.utils.html.format_html"), frozenset({"xss"})
    ),
}

#: Calls whose result carries the taint of every argument.
PROPAGATORS = frozenset(
    {
        *("builtins.str", "builtins.bytes", "builtins.bytearray", "builtins.list"),
        *("builtins.tuple", "builtins.dict", "builtins.set", "builtins.frozenset"),
        *("builtins.sorted", "builtins.reversed", "builtins.format", "builtins.iter"),
        *("builtins.next", "builtins.getattr", "builtins.map", "builtins.filter"),
        *("builtins.zip", "builtins.enumerate", "builtins.min", "builtins.max"),
        *("os.path.join", "posixpath.join", "ntpath.join", "os.path.normpath"),
        *("os.path.abspath", "os.path.realpath", "os.path.expanduser", "os.path.dirname"),
        *("os.path.expandvars", "os.fspath", "os.fsencode", "os.fsdecode"),
        *("pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath"),
        *("urllib.parse.urljoin", "urllib.parse.urlparse", "urllib.parse.urlsplit"),
        *("urllib.parse.unquote", "urllib.parse.unquote_plus", "urllib.parse.parse_qs"),
        *("urllib.parse.parse_qsl", "urllib.parse.urlunparse", "urllib.parse.urlunsplit"),
        *("base64.b64decode", "base64.urlsafe_b64decode", "base64.b32decode"),
        *("base64.b16decode", "base64.decodebytes", "binascii.unhexlify", "binascii.a2b_hex"),
        *("codecs.decode", "json.loads", "json.load", "copy.copy", "copy.deepcopy"),
        *("textwrap.dedent", "textwrap.indent", "io.StringIO", "io.BytesIO", "io.TextIOWrapper"),
        *("gzip.decompress", "zlib.decompress", "bz2.decompress", "lzma.decompress"),
        *("shlex.split", "csv.reader", "csv.DictReader", "email.message_from_string"),
        *("email.message_from_bytes", "tarfile.open", "tarfile.TarFile", "zipfile.ZipFile"),
        *("xml.etree.ElementTree.fromstring", "string.Template"),
    }
)

#: Propagators whose arguments after the first are placed under it (paths).
JOINERS = frozenset(
    {
        *("os.path.join", "posixpath.join", "ntpath.join", "pathlib.Path", "pathlib.PurePath"),
        *("pathlib.PosixPath", "pathlib.PurePosixPath"),
    }
)

#: str/bytes methods: the result carries the receiver's and the arguments' taint.
STRING_METHODS = frozenset(
    {
        *("capitalize", "casefold", "center", "encode", "decode", "expandtabs", "format"),
        *("format_map", "join", "ljust", "lower", "lstrip", "partition", "removeprefix"),
        *("removesuffix", "replace", "rjust", "rpartition", "rsplit", "rstrip", "split"),
        *("splitlines", "strip", "swapcase", "title", "translate", "upper", "zfill"),
        *("substitute", "safe_substitute", "geturl"),
    }
)
#: Container reads: the result carries the receiver's taint (and a default argument's).
CONTAINER_READS = frozenset(
    {
        *("get", "getlist", "getone", "getall", "get_all", "pop", "popitem", "popleft"),
        *("copy", "items", "values", "keys", "to_dict", "dict", "lists", "listvalues"),
        *("setdefault", "groups", "group", "groupdict", "findall", "getvalue"),
    }
)
#: Stream and response reads: the result carries the receiver's taint.
STREAM_READS = frozenset(
    {
        *("read", "readline", "readlines", "read1", "readall", "read_text", "read_bytes"),
        *("json", "iter_lines", "iter_content", "text", "makefile", "extractfile"),
        *("getmembers", "getnames", "namelist", "infolist", "open"),
    }
)
#: Path-building methods: the result carries the receiver's and the arguments' taint.
PATH_METHODS = frozenset(
    {
        *("resolve", "absolute", "expanduser", "joinpath", "with_name", "with_suffix"),
        *("with_stem", "as_posix", "as_uri", "relative_to", "parent", "glob", "rglob"),
    }
)
#: Methods that store their arguments in the receiver (a list, dict, set, buffer).
MUTATORS = frozenset(
    {"append", "extend", "insert", "add", "update", "appendleft", "extendleft", "write"}
)
#: Attributes of a path that keep only its last component.
LAST_COMPONENT_ATTRS = frozenset({"name", "stem", "suffix"})

#: The type of what a call returns (for resolving methods called on it later).
CALL_KINDS: dict[str, str] = {
    **dict.fromkeys(
        ("requests.Session", "requests.session", "requests.sessions.Session"), "requests.Session"
    ),
    "httpx.Client": "httpx.Client",
    "httpx.AsyncClient": "httpx.AsyncClient",
    "aiohttp.ClientSession": "aiohttp.ClientSession",
    "urllib3.PoolManager": "urllib3.PoolManager",
    **dict.fromkeys(("tarfile.open", "tarfile.TarFile", "tarfile.TarFile.open"), "tarfile.TarFile"),
    "zipfile.ZipFile": "zipfile.ZipFile",
    **dict.fromkeys(("jinja2.Environment", "jinja2.environment.Environment"), "jinja2.Environment"),
    **dict.fromkeys(
        (
            "jinja2.sandbox.SandboxedEnvironment",
            "jinja2.sandbox.ImmutableSandboxedEnvironment",
        ),
        "jinja2.sandbox.SandboxedEnvironment",
    ),
    **dict.fromkeys(
        ("pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath"),
        "pathlib.Path",
    ),
    **dict.fromkeys(("markupsafe.Markup", "flask.Markup", "jinja2.Markup"), "markupsafe.Markup"),
    "xml.sax.make_parser": "xml.sax.XMLReader",
    "lxml.etree.XMLParser": "lxml.etree.XMLParser",
    **dict.fromkeys(("io.StringIO", "io.BytesIO"), "io.StringIO"),
}
#: Calls that open a file: what they return holds the file's (low-confidence) contents.
FILE_OPENERS = frozenset(
    {"builtins.open", "io.open", "codecs.open", "gzip.open", "bz2.open", "lzma.open"}
)
#: Methods of a path that open it or return its contents.
PATH_READERS = frozenset({"open", "read_text", "read_bytes"})
#: Sink classes whose calls return an HTTP response (its body is a low-confidence source).
RESPONSE_CLASSES = frozenset({"ssrf"})

#: Calls that check a value: ``if not check(x): return`` makes ``x`` safe after it.
GUARD_CALLS = frozenset(
    {
        *("re.match", "re.fullmatch", "re.search", "os.path.commonpath"),
        *("django.utils.http.url_has_allowed_host_and_scheme", "django.utils.http.is_safe_url"),
    }
)
#: Methods that check their receiver (``x.startswith(BASE)``) or argument (``RX.match(x)``).
GUARD_METHODS = frozenset(
    {
        *("startswith", "is_relative_to", "isdigit", "isdecimal", "isnumeric", "isalnum"),
        *("isalpha", "isidentifier", "match", "fullmatch"),
    }
)
#: Names of other functions (the project's own helpers) that read as a check of a value.
GUARD_NAME = re.compile(r"^_*(is|has|check|validate|valid|verify|allowed|safe)(_|[A-Z]|$)|allowed")
#: Calls that end the current branch (like ``return``/``raise``).
TERMINATORS = frozenset(
    {
        *("flask.abort", "werkzeug.exceptions.abort", "sys.exit", "builtins.exit"),
        *("builtins.quit", "os._exit", "fastapi.HTTPException"),
    }
)
