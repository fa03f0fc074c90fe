"""The one severity calibration table: each rule the code scanner can report -> our severity.

Every entry says why, in terms of what an attacker gains and how reachable it is.  The rule
of the table: a dangerous sink reached by data the code does not control (a tainted sink)
is HIGH or CRITICAL; the same sink where the tool cannot see where the value comes from, or
sees a constant, is lower; a pattern that names an API without seeing its use is INFO;
configuration that weakens a whole service (debug on, every interface, any Host header,
TLS verification off) is WARNING or above.  docs/code-analysis.md prints this table.

Bandit rates each finding itself; when it rates one LOW it has seen a constant or checked
argument (a literal shell command, a ``members=`` filter) or the test is informational, and
the finding is INFO whatever the table says.  A Bandit test newer than this table falls back
to Bandit's severity x confidence (:data:`BANDIT_FALLBACK`).  A Semgrep rule outside the
table (a user's ``--rules``) keeps its own ``severity`` (see ``semgrep.py``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from scriptrunner.findings.model import Severity

INFO, WARNING, HIGH, CRITICAL = Severity.INFO, Severity.WARNING, Severity.HIGH, Severity.CRITICAL


@dataclass(frozen=True, slots=True)
class Calibration:
    """One rule's severity and the reason for it."""

    severity: Severity
    reason: str


def _c(severity: Severity, reason: str) -> Calibration:
    return Calibration(severity, reason)


_STDLIB_XML = _c(
    INFO,
    "stdlib XML parser: no external entities since Python 3.7.1, entity expansion bounded "
    "by expat >= 2.4.1; what lxml and SAX parsers are told to resolve is sr-lxml-xxe and "
    "sr-sax-external-entities",
)
_IMPORT = _c(INFO, "an import alone: nothing is called yet; the calls have rules of their own")

#: Bandit test id -> calibration (every test of Bandit 1.9, and B320 of older versions).
BANDIT: dict[str, Calibration] = {
    "B101": _c(
        INFO,
        "an assert checking an invariant; python -O removes it, which matters only when it guards access: sr-assert-access-control",
    ),
    "B102": _c(
        WARNING,
        "exec runs whatever code the string holds; Bandit flags constant strings too (a computed one is sr-eval, HIGH)",
    ),
    "B103": _c(
        WARNING,
        "other local users can change (or read) the file the program uses; local attackers only",
    ),
    "B104": _c(
        INFO,
        'any "0.0.0.0" string, not a bind; the bind and the HOST setting are sr-bind-all-interfaces and sr-settings-bind-all',
    ),
    "B105": _c(
        INFO,
        "any string assigned to a password-like name, placeholders and variable names too; sr-hardcoded-password filters those (WARNING)",
    ),
    "B106": _c(
        INFO,
        "any string passed as a password-like argument, placeholders too; sr-hardcoded-password and sr-login-literal-password filter those",
    ),
    "B107": _c(
        INFO,
        "any password-like default argument, placeholders too; sr-hardcoded-password filters those",
    ),
    "B108": _c(INFO, 'any "/tmp/..." string; the file operation on it is sr-hardcoded-tmp-path'),
    "B110": _c(
        INFO, "an exception silently ignored hides failures; nothing an attacker gains by itself"
    ),
    "B112": _c(
        INFO, "an exception silently skipped hides failures; nothing an attacker gains by itself"
    ),
    "B113": _c(
        WARNING,
        "a server that stops answering holds the worker forever: denial of service by whoever controls or slows the server",
    ),
    "B201": _c(
        HIGH,
        "the Werkzeug debugger runs any Python a visitor sends: code execution for whoever reaches the port",
    ),
    "B202": _c(
        INFO,
        "any .extractall() in a module that imports tarfile, zipfile's (which strips unsafe names) too; sr-tarfile-extract checks the archive is a tar (HIGH)",
    ),
    "B301": _c(HIGH, "unpickling runs code chosen by whoever wrote the data"),
    "B302": _c(HIGH, "marshal data from elsewhere can crash or subvert the interpreter"),
    "B303": _c(
        WARNING,
        "MD5/SHA-1 collisions let an attacker forge what the hash protects; passwords hashed fast are sr-weak-password-hash (HIGH)",
    ),
    "B304": _c(HIGH, "a broken cipher: whoever captures the ciphertext reads it"),
    "B305": _c(
        HIGH,
        "ECB shows which blocks repeat and lets blocks be moved: the plaintext's structure leaks and it can be altered",
    ),
    "B306": _c(
        WARNING, "another local user can create the file first (a race): local attackers only"
    ),
    "B307": _c(
        WARNING,
        "eval runs whatever code the string holds; Bandit flags constant strings too (a computed one is sr-eval, HIGH)",
    ),
    "B308": _c(
        WARNING,
        "markup marked safe is not escaped: XSS when it holds user data, which Bandit cannot see",
    ),
    "B310": _c(
        INFO, "any urlopen, constant URLs too; where the URL comes from is not visible to Bandit"
    ),
    "B311": _c(
        INFO,
        "the random module anywhere (jitter, sampling); random secrets are sr-insecure-random-secret (WARNING)",
    ),
    "B312": _c(
        WARNING,
        "Telnet is cleartext: an attacker on the network path reads the credentials and the session",
    ),
    "B313": _STDLIB_XML,
    "B314": _STDLIB_XML,
    "B315": _STDLIB_XML,
    "B316": _STDLIB_XML,
    "B317": _STDLIB_XML,
    "B318": _STDLIB_XML,
    "B319": _STDLIB_XML,
    "B320": _c(
        INFO,
        "any lxml parse call (older Bandit); what the parser resolves is sr-lxml-xxe and sr-lxml-default-parser",
    ),
    "B321": _c(
        WARNING,
        "plain FTP is cleartext: an attacker on the network path reads the credentials and the data",
    ),
    "B323": _c(
        HIGH,
        "an unverified TLS context: anyone on the network path impersonates the server and reads or changes the traffic",
    ),
    "B324": _c(
        WARNING, "MD5/SHA-1 for security: collisions let an attacker forge what the hash protects"
    ),
    "B401": _IMPORT,
    "B402": _IMPORT,
    "B403": _IMPORT,
    "B404": _IMPORT,
    "B405": _IMPORT,
    "B406": _IMPORT,
    "B407": _IMPORT,
    "B408": _IMPORT,
    "B409": _IMPORT,
    "B411": _IMPORT,
    "B412": _c(
        WARNING,
        "a CGI handler open to httpoxy: a client's Proxy header redirects the server's outbound requests through the attacker",
    ),
    "B413": _c(
        WARNING, "pyCrypto is unmaintained and has known flaws; every use of it inherits them"
    ),
    "B415": _IMPORT,
    "B501": _c(
        HIGH,
        "TLS verification off: anyone on the network path impersonates the server and reads or changes the traffic",
    ),
    "B502": _c(
        HIGH,
        "SSLv2/3 and TLS 1.0/1.1 are broken: an attacker on the network path can decrypt or downgrade the connection",
    ),
    "B503": _c(
        WARNING,
        "a function whose default is a broken protocol version: only callers that keep the default are exposed",
    ),
    "B504": _c(INFO, "no protocol version given: modern Python negotiates TLS 1.2+ by default"),
    "B505": _c(
        HIGH,
        "a key short enough to be factored or brute-forced: whoever captures the data or signatures breaks them",
    ),
    "B506": _c(
        HIGH,
        "yaml.load with an unsafe loader builds any Python object: code execution for whoever supplies the document",
    ),
    "B507": _c(
        HIGH,
        "unknown SSH host keys accepted: a man in the middle gets the credentials and the session",
    ),
    "B508": _c(
        WARNING,
        "SNMP v1/v2 community strings travel in cleartext: an attacker on the network reads and reuses them",
    ),
    "B509": _c(
        WARNING,
        "SNMPv3 without authentication and privacy: messages can be read or forged on the network",
    ),
    "B601": _c(
        INFO,
        "any exec_command, constant commands too; a command built at run time is sr-ssh-exec-format (HIGH)",
    ),
    "B602": _c(
        HIGH,
        "a non-literal command through a shell: command execution for whoever controls a value in it (a literal command is Bandit LOW: INFO)",
    ),
    "B603": _c(
        INFO, "a process started without a shell: no shell injection; a note to check the arguments"
    ),
    "B604": _c(
        WARNING, "shell=True passed to a function Bandit does not know: maybe a shell, maybe not"
    ),
    "B605": _c(
        HIGH,
        "a non-literal command through os.system/os.popen: command execution for whoever controls a value in it (a literal one is Bandit LOW: INFO)",
    ),
    "B606": _c(
        INFO, "a process started without a shell: no shell injection; a note to check the arguments"
    ),
    "B607": _c(
        INFO, "a program found through PATH: only someone who already controls PATH gains anything"
    ),
    "B608": _c(
        INFO,
        "any SQL-looking string built by formatting, not where it runs; the execute call is sr-sql-format (HIGH)",
    ),
    "B609": _c(
        HIGH,
        "a wildcard in a shell command: crafted file names become options (tar --checkpoint-action) and run commands",
    ),
    "B610": _c(
        WARNING,
        "Django extra(): SQL injection if values are formatted into it, which Bandit cannot see",
    ),
    "B611": _c(
        WARNING,
        "Django RawSQL: SQL injection if values are formatted into it, which Bandit cannot see",
    ),
    "B612": _c(
        WARNING,
        "logging.config.listen runs configuration sent to its port, which can execute code: whoever can connect (local by default)",
    ),
    "B613": _c(
        HIGH,
        "bidirectional control characters make code read differently from what runs: a hidden change that passes review",
    ),
    "B614": _c(
        HIGH, "torch.load unpickles the file: code execution for whoever supplies the model"
    ),
    "B615": _c(
        WARNING,
        "a model downloaded without a pinned revision: whoever controls the repository changes what is loaded",
    ),
    "B701": _c(
        INFO,
        "any Environment without autoescape, plain-text ones too; the Semgrep Jinja rules look at what it renders",
    ),
    "B702": _c(WARNING, "Mako does not escape by default: XSS where user data reaches a template"),
    "B703": _c(WARNING, "mark_safe of a value Bandit cannot see: XSS when it holds user data"),
    "B704": _c(WARNING, "Markup() of a value Bandit cannot see: XSS when it holds user data"),
}

#: Bundled Semgrep rule id (rules/*.yaml) -> calibration.
SEMGREP: dict[str, Calibration] = {
    # Injection: computed values reaching an interpreter.  Where the value comes from is not
    # visible, so HIGH; request/argv/stdin data seen reaching it is CRITICAL.
    "sr-subprocess-shell": _c(
        HIGH,
        "a command built at run time through a shell: command execution for whoever controls a value in it",
    ),
    "sr-subprocess-getoutput": _c(
        HIGH,
        "getoutput always uses a shell: command execution for whoever controls a value in the command",
    ),
    "sr-os-system": _c(
        HIGH,
        "os.system/os.popen of a built command: command execution for whoever controls a value in it",
    ),
    "sr-shell-request-taint": _c(
        CRITICAL,
        "request, argv or stdin data reaches a shell: command execution for anyone who sends input",
    ),
    "sr-ssh-exec-format": _c(
        HIGH,
        "a built command run by the remote shell: command execution on that host for whoever controls a value in it",
    ),
    "sr-eval": _c(HIGH, "eval/exec of a computed string: code execution for whoever controls it"),
    "sr-sql-format": _c(
        HIGH, "SQL built by formatting: whoever controls a value reads or changes the database"
    ),
    "sr-sqlalchemy-text-format": _c(
        HIGH, "text() of a formatted string: whoever controls a value reads or changes the database"
    ),
    "sr-template-format": _c(
        HIGH,
        "template source built at run time: a value is compiled as template code, which runs Python (server-side template injection)",
    ),
    # Deserialisation.
    "sr-pickle-load": _c(HIGH, "unpickling runs code chosen by whoever wrote the data"),
    "sr-marshal-load": _c(HIGH, "marshal data from elsewhere can crash or subvert the interpreter"),
    "sr-yaml-unsafe-load": _c(
        HIGH,
        "an unsafe YAML loader builds any Python object: code execution for whoever supplies the document",
    ),
    "sr-torch-load": _c(
        HIGH,
        "torch.load without weights_only unpickles: code execution for whoever supplies the model",
    ),
    # Files and archives.
    "sr-tempfile-mktemp": _c(
        WARNING, "another local user can create the file first (a race): local attackers only"
    ),
    "sr-hardcoded-tmp-path": _c(
        WARNING,
        "a fixed name in a shared directory can be pre-created or symlinked by another local user",
    ),
    "sr-tarfile-extract": _c(
        HIGH,
        "member names write outside the target (file overwrite, often code execution) for whoever supplies the archive",
    ),
    "sr-zip-slip": _c(
        HIGH,
        "member names write outside the target (file overwrite, often code execution) for whoever supplies the archive",
    ),
    "sr-world-writable": _c(WARNING, "every local user can change the file: local attackers only"),
    # Cryptography and TLS.
    "sr-weak-hash": _c(
        WARNING, "MD5/SHA-1 collisions let an attacker forge what the hash protects"
    ),
    "sr-weak-password-hash": _c(
        HIGH,
        "fast-hashed passwords: after any database leak every password is cracked, and users reuse them elsewhere",
    ),
    "sr-django-weak-password-hasher": _c(
        HIGH,
        "every new password stored with a fast or unsalted hash: after any database leak they are cracked",
    ),
    "sr-weak-cipher": _c(HIGH, "a broken cipher: whoever captures the ciphertext reads it"),
    "sr-ecb-mode": _c(
        HIGH,
        "ECB shows which blocks repeat and lets blocks be moved: the plaintext's structure leaks and it can be altered",
    ),
    "sr-weak-rsa-key": _c(
        HIGH,
        "a key short enough to be factored: whoever captures the data or signatures breaks them",
    ),
    "sr-tls-verify-disabled": _c(
        HIGH, "TLS verification off at the call: anyone on the network path impersonates the server"
    ),
    "sr-weak-tls-version": _c(
        HIGH,
        "a broken protocol version: an attacker on the network path decrypts or downgrades the connection",
    ),
    "sr-insecure-random-secret": _c(
        WARNING,
        "a secret from a predictable generator: an attacker who sees a few outputs predicts the next",
    ),
    "sr-jwt-no-verify": _c(
        HIGH, "an unverified JWT: anyone forges its claims (identity, roles) by sending one"
    ),
    # Web services and configuration.
    "sr-debug-server": _c(
        HIGH,
        "debug mode: the Werkzeug debugger runs visitors' code, Django shows settings and tracebacks to anyone",
    ),
    "sr-jinja-autoescape-off": _c(
        HIGH,
        "HTML rendered without escaping: stored or reflected XSS for whoever gets data into a page",
    ),
    "sr-jinja-html-autoescape-default": _c(
        HIGH,
        "HTML rendered without escaping (Jinja's default): XSS for whoever gets data into a page",
    ),
    "sr-jinja-autoescape-default": _c(
        WARNING,
        "no escaping by default; whether it renders HTML is not visible here (text templates are safe)",
    ),
    "sr-django-autoescape-off": _c(
        HIGH, "escaping off for every template of the site: XSS wherever user data is shown"
    ),
    "sr-markup-format": _c(
        WARNING,
        "built markup marked safe: XSS if a value in it comes from a user, which is not visible here",
    ),
    "sr-bind-all-interfaces": _c(
        WARNING,
        "listening on every interface exposes the service to the whole network; harm depends on what it serves",
    ),
    "sr-settings-bind-all": _c(
        WARNING,
        "a host setting of 0.0.0.0 exposes the service to the whole network; harm depends on what it serves",
    ),
    "sr-settings-allowed-hosts-any": _c(
        WARNING,
        "any Host header accepted: reset links and redirects built from it point at the attacker (Host header poisoning)",
    ),
    "sr-settings-tls-verify-off": _c(
        WARNING,
        "a setting that turns TLS verification off wherever it is used: man in the middle for an on-path attacker",
    ),
    "sr-insecure-cookie": _c(
        WARNING,
        "a session cookie without Secure or HttpOnly: stolen on plain HTTP by an on-path attacker, or by injected script",
    ),
    "sr-requests-no-timeout": _c(
        WARNING, "a server that stops answering holds the worker forever: denial of service"
    ),
    "sr-lxml-xxe": _c(
        HIGH,
        "external entities resolved: a document reads local files or makes the server send requests (XXE)",
    ),
    "sr-lxml-default-parser": _c(
        WARNING,
        "lxml < 5.0 resolves external entities by default (5.0+ does not): XXE depends on the installed version",
    ),
    "sr-sax-external-entities": _c(
        HIGH,
        "external entities turned on: a document reads local files or makes the server send requests (XXE)",
    ),
    "sr-ssh-unknown-host": _c(
        HIGH,
        "unknown SSH host keys accepted: a man in the middle gets the credentials and the session",
    ),
    "sr-cleartext-protocol": _c(
        WARNING, "cleartext credentials and data for an attacker on the network path"
    ),
    # Credentials and access control.
    "sr-hardcoded-password": _c(
        WARNING, "a credential in the source: everyone with the code or its history can use it"
    ),
    "sr-login-literal-password": _c(
        WARNING,
        "a password written into a login/connect call: everyone with the code or its history can log in",
    ),
    "sr-credentials-in-url": _c(
        WARNING,
        "a password inside a connection URL or DSN: everyone with the code or its history can connect",
    ),
    "sr-secret-in-log": _c(
        WARNING,
        "a secret in the logs: everyone who reads them, and every system they are shipped to, gets it",
    ),
    "sr-secret-printed": _c(
        INFO,
        "a secret printed: on a terminal often the point (a generated password shown once); in a service it reaches the logs",
    ),
    "sr-assert-access-control": _c(
        WARNING,
        "python -O (PYTHONOPTIMIZE) removes the check: anyone passes it when the code runs optimised",
    ),
}

#: Rules of a taint analysis (source -> sink across functions) go here: a tainted sink is
#: HIGH or CRITICAL, a level above the constant-blind rules for the same sink.
TAINT: dict[str, Calibration] = {
    "taint-shell-injection": _c(
        CRITICAL, "untrusted data reaches a shell command: command execution for whoever sends it"
    ),
    "taint-code-injection": _c(
        CRITICAL, "untrusted data is evaluated as Python: code execution for whoever sends it"
    ),
    "taint-deserialization": _c(
        CRITICAL,
        "untrusted bytes reach a deserialiser that runs code: code execution for whoever sends them",
    ),
    "taint-template-injection": _c(
        CRITICAL,
        "untrusted data is the source of a template: template engines reach Python objects, so code execution",
    ),
    "taint-sql-injection": _c(
        HIGH, "untrusted data in the text of a query: the attacker reads or changes the database"
    ),
    "taint-ssrf": _c(
        HIGH,
        "untrusted data chooses where a request goes: internal services and cloud metadata reached from inside",
    ),
    "taint-path-traversal": _c(
        HIGH,
        "untrusted data chooses a file path: files outside the intended directory read or written",
    ),
    "taint-xss": _c(
        HIGH, "untrusted data in HTML unescaped: script runs in other users' browsers as them"
    ),
    "taint-open-redirect": _c(
        HIGH,
        "untrusted data chooses a redirect target: the site's own links send its users to a phishing page",
    ),
    "taint-xxe": _c(
        HIGH,
        "untrusted XML to a parser that resolves external entities: local files read, requests made from inside",
    ),
}

#: Tool name -> its part of the table.
TABLE: dict[str, dict[str, Calibration]] = {"bandit": BANDIT, "semgrep": SEMGREP, "taint": TAINT}

#: Bandit's (severity, confidence) -> ours, for a test this table does not list yet.
BANDIT_FALLBACK: dict[tuple[str, str], Severity] = {
    ("HIGH", "HIGH"): HIGH,
    ("HIGH", "MEDIUM"): HIGH,
    ("HIGH", "LOW"): WARNING,
    ("MEDIUM", "HIGH"): WARNING,
    ("MEDIUM", "MEDIUM"): WARNING,
    ("MEDIUM", "LOW"): INFO,
}


def calibrated(tool: str, rule_id: str) -> Severity | None:
    """The table's severity for ``tool``'s rule, or None when the table does not list it."""
    entry = TABLE.get(tool, {}).get(rule_id)
    return entry.severity if entry is not None else None


def bandit_severity(test_id: str, severity: str, confidence: str) -> Severity:
    """Our severity of one Bandit finding (see the module docstring)."""
    if severity.upper() == "LOW":
        return INFO
    level = calibrated("bandit", test_id)
    if level is not None:
        return level
    return BANDIT_FALLBACK.get((severity.upper(), confidence.upper()), INFO)


def digest(tool: str) -> str:
    """A hash of ``tool``'s part of the table, for cache keys of its results."""
    part = TABLE.get(tool, {})
    data = sorted((rule, entry.severity.name) for rule, entry in part.items())
    extra = sorted(map(str, BANDIT_FALLBACK.items())) if tool == "bandit" else []
    return hashlib.sha256(json.dumps([data, extra]).encode()).hexdigest()
