"""Credentials on command lines and in HTTP headers, where a tool's flag says what follows.

* ``curl -u user:password`` / ``--user``, also in combined flags (``curl -su ...``), and
  ``curl -u TOKEN:`` -- an API key as the user name and no password;
* HTTP ``Authorization`` headers with a scheme other than ``Bearer`` (which has its own
  rule): ``Token``, ``SSWS`` (Okta), ``Api-Key``, ``Key``, ``GenieKey`` (``Basic`` has its
  own rule, ``http-basic-auth``);
* httpie ``http -a user:password`` / ``--auth``; ``redis-cli -a PASSWORD``;
* ``mysql -pPASSWORD`` / ``-p'...'`` (``-p`` alone prompts: nothing to report);
* ``docker login -p``, ``az login -p``, ``oc login -p``, any ``... login ... -p VALUE``;
* ``sshpass -p PASSWORD``.

``--password VALUE`` / ``--password=VALUE`` (wget, psql, docker) and ``PGPASSWORD=...`` are
generic assignments; ``X-Api-Key: ...`` headers too.  Values are graded like the generic
ones: placeholders, variables (``$PASS``) and weak words are not reported, or only at LOW.
"""

from __future__ import annotations

from scriptrunner.findings.model import Severity
from scriptrunner.scanners.secrets.rules.model import Rule
from scriptrunner.scanners.secrets.rules.values import grade_bearer, grade_password

#: A command's own arguments, over ``\``-continued lines: no pipe, ``;`` or ``&&`` between.
_ARGS = r"(?:[^\n|;&]|\\\r?\n){0,400}?"
#: A value after a flag: quoted or bare, never a variable or a command substitution.
_VALUE = r"""(?P<q>['"]?)(?P<secret>[^\s'"$`]{1,200})(?P=q)(?![^\s'"])"""


COMMAND_RULES: tuple[Rule, ...] = (
    Rule(
        id="generic-password",
        title="Password in a curl command",
        keywords=("curl",),
        lines_after=3,
        pattern=r"\bcurl\b" + _ARGS + r"[ \t](?:-[A-Za-z]{0,6}u|--user)(?:[ \t]+|=)[\"']?"
        r"[^\s:'\"$]{1,128}:(?P<secret>[^\s'\"]{1,200})",
        severity=Severity.HIGH,
        confidence="MEDIUM",
        grade=grade_password,
        priority=13,
        examples=(
            "curl -fsS -u ops:{pw:24} https://staging.example.com/healthz",
            'curl -X POST \\\n  --user "deploy:{pw:18}" https://ci.example.com/api',
            "curl -sSu builder:{pw:20} https://ci.example.com/api",
        ),
        counterexamples=(
            'curl -u "$USER:$PASSWORD" https://example.com',
            "curl -u admin:admin https://localhost:8080",
            "curl -u user: https://example.com",
            "curl -u $API_KEY: https://api.example.com",
        ),
    ),
    Rule(
        id="generic-secret",
        title="API key as the user name of a curl command",
        keywords=("curl",),
        lines_after=3,
        pattern=r"\bcurl\b" + _ARGS + r"[ \t](?:-[A-Za-z]{0,6}u|--user)(?:[ \t]+|=)"
        r"(?P<q>[\"']?)(?P<secret>[^\s:'\"$]{16,200}):(?P=q)(?=[\s]|$)",
        severity=Severity.HIGH,
        grade=grade_bearer,
        priority=13,
        examples=(
            'curl -su "{alnum:40}:" https://api.example.com/v1/account',
            "curl https://api.example.com/v1/charges -u {hex:32}:",
        ),
        counterexamples=(
            "curl -u $API_KEY: https://api.example.com",
            'curl -su "your_api_key_here:" https://api.example.com',
        ),
    ),
    Rule(
        id="generic-secret",
        title="Credential in an HTTP Authorization header",
        keywords=("authorization",),
        pattern=r"(?i:authorization)\\{0,3}[\"']?[ \t]*[:=][ \t]*\\{0,3}[\"']?[ \t]*"
        r"(?i:token|ssws|api-?key|key|geniekey|apitoken)[ \t]+(?P<secret>[A-Za-z0-9._~+/=-]{12,500})"
        r"(?![A-Za-z0-9._~+/=-])",
        severity=Severity.HIGH,
        confidence="MEDIUM",
        grade=grade_bearer,
        priority=11,
        examples=(
            'curl -H "Authorization: Token {alnum:40}" https://api.example.com/v2/projects/',
            'wget --header="Authorization: SSWS 00{url:40}" https://id.example.com/api/v1/users',
            "$headers = @{{ 'Authorization' = 'token {hex:40}' }}",
        ),
        counterexamples=(
            'curl -H "Authorization: Token ${API_TOKEN}" https://api.example.com',
            "Authorization: Token <your-token>",
            'headers = {"Authorization": f"Token {token}"}',
        ),
    ),
    Rule(
        id="generic-password",
        title="Password of an httpie command",
        keywords=("--auth", " -a "),
        lines_after=3,
        pattern=r"\b(?:https?|httpie)(?=[ \t])" + _ARGS + r"[ \t](?:-a|--auth)(?:[ \t]+|=)[\"']?"
        r"[^\s:'\"$]{1,128}:(?P<secret>[^\s'\"]{1,200})",
        severity=Severity.HIGH,
        confidence="MEDIUM",
        grade=grade_password,
        priority=13,
        examples=(
            "http -a ci-bot:{pw:18} POST https://api.example.com/builds",
            "https --auth=deploy:{pw:20} GET https://api.example.com/me",
        ),
        counterexamples=('http -a "$USER:$PASS" https://api.example.com',),
    ),
    Rule(
        id="generic-password",
        title="Password of a redis-cli command",
        keywords=("redis-cli",),
        lines_after=3,
        pattern=r"\bredis-cli\b" + _ARGS + r"[ \t](?:-a|--pass)[ \t]+" + _VALUE,
        severity=Severity.HIGH,
        confidence="MEDIUM",
        grade=grade_password,
        priority=13,
        examples=("redis-cli -h cache.internal -a '{pw:22}' PING",),
        counterexamples=("redis-cli -a $REDIS_PASSWORD PING",),
    ),
    Rule(
        id="generic-password",
        title="Password of a mysql command",
        keywords=("mysql", "mariadb"),
        lines_after=3,
        pattern=r"\b(?:mysql(?:dump|admin|import|check|show|slap)?|mariadb(?:-dump)?)\b"
        + _ARGS
        + r"[ \t]-p"
        + _VALUE,
        severity=Severity.HIGH,
        confidence="MEDIUM",
        grade=grade_password,
        priority=13,
        examples=(
            "mysql -h db.internal -u root -p'{pw:20}' shop < dump.sql",
            "mysqldump -uroot -p{pw:16} --all-databases > all.sql",
        ),
        counterexamples=("mysql -h db -u root -p shop", 'mysql -u root -p"$MYSQL_ROOT_PASSWORD"'),
    ),
    Rule(
        id="generic-password",
        title="Password of a login command",
        keywords=("login",),
        lines_after=3,
        pattern=r"\blogin\b" + _ARGS + r"[ \t](?:-p|--password)[ \t]+(?!-)" + _VALUE,
        severity=Severity.HIGH,
        confidence="MEDIUM",
        grade=grade_password,
        priority=13,
        examples=(
            "docker login -u builder -p {pw:24} registry.example.com",
            "az login --service-principal -u {hex:8} -p '{pw:30}' --tenant {hex:8}",
        ),
        counterexamples=(
            "docker login -u builder -p $REGISTRY_TOKEN registry.example.com",
            "echo $PASS | docker login -u builder --password-stdin",
        ),
    ),
    Rule(
        id="generic-password",
        title="Password of an sshpass command",
        keywords=("sshpass",),
        pattern=r"\bsshpass\b[^\n|;&]{0,100}?[ \t]-p[ \t]*" + _VALUE,
        severity=Severity.HIGH,
        confidence="MEDIUM",
        grade=grade_password,
        priority=13,
        examples=("sshpass -p '{pw:18}' rsync -av dist/ deploy@10.0.0.5:/srv/www",),
        counterexamples=("sshpass -p changeme ssh host", "sshpass -p $SSHPASS ssh host"),
    ),
)

__all__ = ["COMMAND_RULES"]
