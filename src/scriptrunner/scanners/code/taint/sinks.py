"""The sinks, as data: calls that are dangerous when given untrusted data, by qualified name
(a method of a known type is ``TYPE.method``: ``requests.Session.get``) or, on a receiver
of unknown type, by method name (``cursor.execute``); and the extra conditions some of them
have (``Sink.when``), checked on the call.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from scriptrunner.scanners.code.taint.propagation import CALL_KINDS
from scriptrunner.scanners.code.taint.scope import dotted
from scriptrunner.scanners.code.taint.values import Val

#: Appended to the type of an XML parser that resolves external entities.
UNSAFE = "!unsafe"


@dataclass(frozen=True, slots=True)
class Sink:
    """A call that is dangerous when these arguments are untrusted.

    ``when`` names an extra condition (:func:`condition`): ``text`` (a command string, not an
    argument list), ``yaml`` (an unsafe loader), ``tar`` (no extraction filter), ``xml`` (a
    parser that resolves entities), ``html`` (an HTML content type), ``torch``, ``numpy``.
    """

    cls: str
    args: tuple[int, ...] = (0,)
    keywords: tuple[str, ...] = ()
    receiver: bool = False
    when: str = ""


def _each(names: str, sink: Sink) -> dict[str, Sink]:
    return dict.fromkeys(names.split(), sink)


_SHELL = Sink("shell", (0,), ("args", "cmd", "command"), when="text")
_URL = Sink("ssrf", (0,), ("url",))
_HTTP_VERBS = "get post put patch delete head options"
_HTTP_CLIENTS = (
    "requests requests.Session requests.sessions.Session httpx httpx.Client "
    "httpx.AsyncClient aiohttp.ClientSession"
)
_PICKLE = "pickle _pickle cPickle dill marshal joblib jsonpickle"

SINKS: dict[str, Sink] = {
    **_each("os.system os.popen commands.getoutput commands.getstatusoutput", _SHELL),
    **_each("subprocess.getoutput subprocess.getstatusoutput", _SHELL),
    **_each(
        "subprocess.run subprocess.call subprocess.check_call subprocess.check_output "
        "subprocess.Popen asyncio.create_subprocess_shell",
        _SHELL,
    ),
    **_each("builtins.eval builtins.exec builtins.compile", Sink("code", (0,), ("source",))),
    **_each(
        "sqlalchemy.text sqlalchemy.sql.text sqlalchemy.sql.expression.text "
        "pandas.read_sql pandas.read_sql_query django.db.models.expressions.RawSQL",
        Sink("sql", (0,), ("text", "sql")),
    ),
    **{f"{c}.{v}": _URL for c in _HTTP_CLIENTS.split() for v in _HTTP_VERBS.split()},
    **{
        f"{c}.{v}": Sink("ssrf", (1,), ("url",))
        for c in _HTTP_CLIENTS.split()
        for v in ("request", "stream")
    },
    **_each("urllib.request.urlopen urllib.request.Request urllib.request.urlretrieve", _URL),
    "urllib3.PoolManager.request": Sink("ssrf", (1,), ("url",)),
    **_each(
        "http.client.HTTPConnection http.client.HTTPSConnection", Sink("ssrf", (0,), ("host",))
    ),
    **_each("builtins.open io.open os.open codecs.open", Sink("path", (0,), ("file", "path"))),
    **_each(
        "shutil.copy shutil.copy2 shutil.copyfile shutil.copytree shutil.move os.rename "
        "os.renames os.replace",
        Sink("path", (0, 1), ("src", "dst")),
    ),
    **_each(
        "shutil.rmtree os.remove os.unlink os.rmdir os.removedirs os.chmod os.chown",
        Sink("path", (0,), ("path",)),
    ),
    **_each(
        "flask.send_file werkzeug.utils.send_file starlette.responses.FileResponse "
        "fastapi.responses.FileResponse",
        Sink("path", (0,), ("path_or_file", "path")),
    ),
    # send_from_directory joins its file name safely; the directory is the risk.
    "flask.send_from_directory": Sink("path", (0,), ("directory",)),
    "shutil.unpack_archive": Sink("path", (0, 1), ("filename", "extract_dir")),
    **_each(
        "pathlib.Path.open pathlib.Path.read_text pathlib.Path.read_bytes "
        "pathlib.Path.write_text pathlib.Path.write_bytes pathlib.Path.unlink "
        "pathlib.Path.rmdir pathlib.Path.touch pathlib.Path.rename pathlib.Path.replace",
        Sink("path", (), (), receiver=True),
    ),
    **_each(
        "tarfile.TarFile.extractall tarfile.TarFile.extract",
        Sink("path", (), (), receiver=True, when="tar"),
    ),
    **_each(
        "flask.render_template_string jinja2.Template django.template.Template "
        "mako.template.Template jinja2.Environment.from_string",
        Sink("template", (0,), ("source", "template_string", "text")),
    ),
    **_each(
        "markupsafe.Markup flask.Markup jinja2.Markup django.utils.safestring.mark_safe "
        "django.utils.safestring.SafeString django.utils.html.format_html",
        Sink("xss", (0,), ("s", "format_string")),
    ),
    **_each(
        "django.http.HttpResponse flask.Response",
        Sink("xss", (0,), ("content", "response"), when="html"),
    ),
    **_each(
        "starlette.responses.HTMLResponse fastapi.responses.HTMLResponse",
        Sink("xss", (0,), ("content",)),
    ),
    **_each(
        "flask.redirect werkzeug.utils.redirect django.shortcuts.redirect "
        "django.http.HttpResponseRedirect django.http.HttpResponsePermanentRedirect "
        "starlette.responses.RedirectResponse fastapi.responses.RedirectResponse",
        Sink("redirect", (0,), ("location", "to", "redirect_to", "url")),
    ),
    **{
        f"{m}.{f}": Sink("deserialization", (0,), ("data", "file", "value"))
        for m in _PICKLE.split()
        for f in ("loads", "load", "decode")
    },
    **_each(
        "pandas.read_pickle shelve.open", Sink("deserialization", (0,), ("filepath_or_buffer",))
    ),
    **_each("yaml.unsafe_load yaml.unsafe_load_all", Sink("deserialization", (0,), ("stream",))),
    **_each("yaml.load yaml.load_all", Sink("deserialization", (0,), ("stream",), when="yaml")),
    "torch.load": Sink("deserialization", (0,), ("f",), when="torch"),
    "numpy.load": Sink("deserialization", (0,), ("file",), when="numpy"),
    **_each(
        "lxml.etree.fromstring lxml.etree.XML lxml.etree.parse xml.dom.pulldom.parse "
        "xml.dom.pulldom.parseString",
        Sink("xxe", (0,), ("text", "source", "stream_or_string", "string"), when="xml"),
    ),
    f"xml.sax.XMLReader{UNSAFE}.parse": Sink("xxe", (0,), ("source",)),
}
#: Sinks found by method name alone, on a receiver of unknown type.
METHOD_SINKS: dict[str, Sink] = {
    **_each(
        "execute executemany executescript",
        Sink("sql", (0,), ("sql", "query", "operation", "statement", "sql_script")),
    ),
    "exec_command": Sink("shell", (0,), ("command",)),
    "from_string": Sink("template", (0,), ("source",)),
}
#: Sinks found by method name on a receiver that holds untrusted data itself: an uploaded
#: file's ``save(dst)`` (Werkzeug's ``FileStorage``, Django's ``UploadedFile`` chunks...).
RECEIVER_SINKS: dict[str, Sink] = {"save": Sink("path", (0,), ("dst", "fp", "filename"))}
#: Receivers that make ``.raw(sql)`` a query (Django's ``Model.objects.raw``).
RAW_SQL_RECEIVERS = frozenset({"objects"})
#: Loaders that make ``yaml.load`` safe.
SAFE_YAML_LOADERS = frozenset({"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"})


def keyword(node: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in node.keywords if k.arg == name), None)


def is_const(node: ast.expr | None, value: object) -> bool:
    return isinstance(node, ast.Constant) and node.value is value


def condition(when: str, node: ast.Call, args: list[Val], kwargs: dict[str | None, Val]) -> bool:
    if when == "yaml":
        loader = keyword(node, "Loader") or (node.args[1] if len(node.args) > 1 else None)
        name = (dotted(loader) or "") if loader is not None else ""
        return name.rpartition(".")[2] not in SAFE_YAML_LOADERS
    if when == "tar":
        return not any(k.arg in ("filter", "members") for k in node.keywords)
    if when == "xml":
        parser = args[1] if len(args) > 1 else kwargs.get("parser")
        return parser is not None and parser.kind.endswith(UNSAFE)
    if when == "html":
        for key in ("content_type", "mimetype", "media_type"):
            value = keyword(node, key)
            if value is not None:
                text = getattr(value, "value", None)
                return isinstance(text, str) and "html" in text
        return True
    if when == "torch":
        return not is_const(keyword(node, "weights_only"), True)
    if when == "numpy":
        return is_const(keyword(node, "allow_pickle"), True)
    return True


def call_kind(qualname: str | None, node: ast.Call) -> str:
    """The type of what a call returns (``propagation.CALL_KINDS``); an lxml parser built to
    resolve entities or load DTDs from the network gets ``UNSAFE`` appended."""
    kind = CALL_KINDS.get(qualname or "", "")
    if kind == "lxml.etree.XMLParser":
        resolve = keyword(node, "resolve_entities")
        if (
            is_const(resolve, True)
            or is_const(keyword(node, "no_network"), False)
            or (is_const(keyword(node, "load_dtd"), True) and not is_const(resolve, False))
        ):
            kind += UNSAFE
    return kind
