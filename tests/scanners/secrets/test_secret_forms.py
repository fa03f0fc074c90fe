"""Every common assignment syntax (``syntax.py``, ``forms.py``): the value is found, at its own
columns and as the right rule, and the same syntax with a reference, a placeholder or an
identifier is silent.  Values come from templates (``secret_samples.expand``); ``«»`` marks
the value a test expects."""

from __future__ import annotations

import pytest
from secret_samples import expand

from scriptrunner.scanners.secrets.engine import scan_text

P, S, K = "generic-password", "generic-secret", "encryption-key"


def marked(template: str, seed: int) -> tuple[str, str]:
    text = expand(template, seed).replace("{{", "{").replace("}}", "}")
    a, b = text.index("«"), text.index("»")
    return text.replace("«", "").replace("»", ""), text[a + 1 : b]


FOUND = [
    # Go
    ("cfg.go", 'var deployToken string = "«{alnum:40}»"', S),
    ("cfg.go", 'deployToken := "«{alnum:40}»"', S),
    ("cfg.go", 'const signingSecret = "«{hex:40}»"', S),
    ("cfg.go", '\tClient{{Endpoint: "x", AccessToken: "«{alnum:36}»"}}', S),
    # Rust
    ("main.rs", 'let api_key = "«{alnum:40}»";', S),
    ("main.rs", 'const RELAY_TOKEN: &str = "«{alnum:40}»";', S),
    ("main.rs", 'static HOOK_SECRET: &\'static str = "«{alnum:40}»";', S),
    ("main.rs", 'let relay_token: String = String::from("«{alnum:40}»");', S),
    # Java / Kotlin / Swift
    ("App.java", 'private static final String API_KEY = "«{alnum:32}»";', S),
    ("App.kt", 'val relayToken = "«{alnum:40}»"', S),
    ("App.kt", 'val relayToken: String by lazy {{ "«{alnum:40}»" }}', S),
    # A JDBC URL with a password is a connection URL: the dedicated rule's id is the more
    # specific one.  (``&`` ends a query value, so the password is alphanumeric here.)
    ("App.java", 'String dbUrl = "jdbc:mysql://db:3306/app?user=app&password=«{alnum:18}»&useSSL=true";', "database-url"),
    # C#
    ("App.cs", 'public static string RelayToken {{ get; }} = "«{alnum:40}»";', S),
    ("App.cs", 'public string ApiKey {{ get; set; }} = "«{alnum:40}»";', S),
    ("App.cs", 'var connection = "Server=db;Database=app;User Id=app;Password=«{pw:16}»;";', P),
    ("appsettings.json", '"ConnectionStrings": {{ "Main": "Host=db;Username=app;Password=«{pw:16}»" }}', P),
    # PHP
    ("config.php", '$relayToken = "«{alnum:40}»";', S),
    ("config.php", '$header .= "{alnum:40}"; $apiToken .= "«{alnum:40}»";', S),
    ("config.php", "define('RELAY_API_KEY', '«{alnum:40}»');", S),
    ("config.php", "return ['api_secret' => '«{alnum:40}»'];", S),
    # Ruby
    ("config.rb", 'relay_token = "«{alnum:40}»"', S),
    ("config.rb", 'config = {{ :api_secret => "«{alnum:40}»" }}', S),
    ("config.rb", 'Client.new(api_secret: "«{alnum:40}»")', S),
    ("config.rb", "ENV['RELAY_TOKEN'] ||= '«{alnum:40}»'", S),
    # shell
    ("env.sh", "export RELAY_TOKEN=«{alnum:40}»", S),
    ("run.sh", 'RELAY_TOKEN="«{alnum:40}»" ./bin/relay --once', S),
    ("env.sh", 'RELAY_TOKEN="${{RELAY_TOKEN:-«{alnum:40}»}}"', S),
    # Makefile: every assignment operator
    ("Makefile", "RELAY_TOKEN = «{alnum:40}»", S),
    ("Makefile", "RELAY_TOKEN := «{alnum:40}»", S),
    ("Makefile", "RELAY_TOKEN ?= «{alnum:40}»", S),
    ("Makefile", "RELAY_TOKEN ::= «{alnum:40}»", S),
    ("Makefile", "RELAY_TOKEN :::= «{alnum:40}»", S),
    ("Makefile", "RELAY_TOKEN += «{alnum:40}»", S),
    # PowerShell
    ("deploy.ps1", "$relayToken = '«{alnum:40}»'", S),
    ("deploy.ps1", "$env:RELAY_TOKEN = '«{alnum:40}»'", S),
    ("deploy.ps1", "Connect-Relay -TenantId $t -ClientSecret '«{alnum:40}»'", S),
    ("deploy.ps1", "$cred = -Password (ConvertTo-SecureString '«{pw:18}»' -AsPlainText -Force)", P),
    # Terraform / HCL
    ("main.tf", 'relay_token = "«{alnum:40}»"', S),
    ("main.tf", 'variable "relay_token" {{\n  type      = string\n  default   = "«{alnum:40}»"\n}}', S),
    ("main.tf", 'resource "vault_generic_secret" "relay_token" {{\n  path = "/x"\n  value = "«{alnum:40}»"\n}}', S),
    # TOML, INI, properties
    ("app.toml", "relay_token = '«{alnum:40}»'", S),
    ("app.ini", "[relay]\nrelay_token: «{alnum:40}»", S),
    ("app.properties", "relay.api.key=«{alnum:40}»", S),
    ("app.properties", "relay.client.secret: «{alnum:40}»", S),
    # XML: attributes, elements, a value alone on its line, .NET settings
    ("app.config", '<add key="RelayApiKey" value="«{alnum:40}»" />', S),
    ("app.config", "<relayToken>«{alnum:40}»</relayToken>", S),
    ("app.config", "<relayToken>\n    «{alnum:40}»\n</relayToken>", S),
    ("app.config", '<setting name="RelayApiKey" serializeAs="String">\n  <value>«{alnum:40}»</value>', S),
    ("app.config", '<setting name="RelayApiKey">\n  <value xsi:type="xsd:string">«{alnum:40}»</value>', S),
    # YAML, JSON, .env, Kubernetes env entries, ARM parameters
    ("values.yaml", "relayToken: «{alnum:40}»", S),
    ("deploy.yaml", "env:\n  - name: RELAY_TOKEN\n    value: «{alnum:40}»", S),
    ("config.json", '{{"relayToken": "«{alnum:40}»"}}', S),
    ("params.json", '"relayClientSecret": {{\n  "value": "«{alnum:40}»"\n}}', S),
    ("params.json", '"relayClientSecret": {{ "value": "«{alnum:40}»" }}', S),
    (".env", "RELAY_TOKEN=«{alnum:40}»", S),
    # C: #define and arrays
    ("cfg.h", '#define RELAY_TOKEN "«{alnum:40}»"', S),
    ("cfg.h", 'static const char RELAY_TOKEN_STR[] = "«{alnum:40}»";', S),
    # SQL rows, config tools, Markdown tables
    ("seed.sql", "INSERT INTO creds (owner, relay_token) VALUES ('ops (eu)', '«{alnum:40}»');", S),
    ("seed.sql", "INSERT INTO settings (name, value) VALUES ('relay_api_key', '«{alnum:40}»');", S),
    ("setup.sh", "aws configure set aws_secret_access_key «{b64:40}»", "aws-secret-access-key"),
    ("README.md", "| `RELAY_TOKEN` | `«{alnum:40}»` |", S),
    # query strings and form bodies
    ("app.log", "POST /token body=grant_type=client_credentials&client_secret=«{alnum:40}»&x=1", S),
]  # fmt: skip


@pytest.mark.parametrize(("path", "template", "rule_id"), FOUND)
def test_every_assignment_syntax_is_read(path: str, template: str, rule_id: str) -> None:
    for seed in range(3):
        text, secret = marked(template, seed)
        found = [m for m in scan_text(text, path) if m.confidence != "LOW"]
        hits = [m for m in found if m.secret.reveal() == secret]
        assert [m.rule_id for m in hits] == [rule_id], f"{text!r}: {found}"
        [m] = hits
        line = text.split("\n")[m.line - 1]
        assert line[m.start_column - 1 : m.end_column - 1] == secret


SILENT = [
    ("cfg.go", 'var deployToken string = os.Getenv("DEPLOY_TOKEN")'),
    ("main.rs", 'let relay_token: String = String::from("RELAY_TOKEN_NAME");'),
    ("App.kt", 'val relayToken: String by lazy {{ System.getenv("RELAY_TOKEN") }}'),
    ("App.cs", "public static string RelayToken {{ get; }} = Environment.GetEnvironmentVariable(\"X\");"),
    ("config.php", "$relayToken .= getenv('RELAY_TOKEN');"),
    ("Makefile", "RELAY_TOKEN ::= $(shell cat token.txt)"),
    ("env.sh", 'RELAY_TOKEN="${{RELAY_TOKEN:-changeme}}"'),
    ("deploy.ps1", "$env:RELAY_TOKEN = $secret"),
    ("deploy.ps1", "Connect-Relay -ClientSecret $clientSecret"),
    ("main.tf", 'variable "relay_token" {{\n  type = string\n  default = ""\n}}'),
    ("main.tf", 'variable "relay_token_name" {{\n  default = "{alnum:40}"\n}}'),
    ("deploy.yaml", "env:\n  - name: RELAY_TOKEN\n    valueFrom:\n      secretKeyRef: {{name: relay}}\n  - name: BUILD_REF\n    value: {alnum:40}"),
    ("app.config", "<relayToken>\n    $(RelayToken)\n</relayToken>"),
    ("app.config", "<relayTokenName>\n    {alnum:40}\n</relayTokenName>"),
    ("seed.sql", "INSERT INTO settings (name, value) VALUES ('relay_token_url', 'https://relay.example.com/token');"),
    ("seed.sql", "INSERT INTO settings (name, value) VALUES ('build_id', '{alnum:40}');"),
    ("cfg.h", "#define RELAY_TOKEN_LEN 40"),
    ("README.md", "| `RELAY_TOKEN` | `<your token>` |"),
    ("params.json", '"relayClientSecret": {{\n  "reference": {{ "keyVault": {{ "id": "x" }} }}\n}}'),
    ("app.log", "GET /items?page=2&page_token=NextPageMarkerName&limit=10"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "template"), SILENT)
def test_the_same_syntax_without_a_secret_is_silent(path: str, template: str) -> None:
    text = expand(template, 2).replace("{{", "{").replace("}}", "}")
    found = [m for m in scan_text(text, path) if m.confidence != "LOW"]
    assert not found, f"{text!r}: {found}"
