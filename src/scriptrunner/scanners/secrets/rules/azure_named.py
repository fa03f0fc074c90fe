"""Microsoft Azure credentials without an identifiable signature (``azure.py`` has those):
Entra ID client secrets (``Q~`` at a fixed offset), legacy DevOps PATs and AI-services keys
given to Azure-named settings, Cosmos DB keys, shared access signatures and App
Configuration connection strings.  Sources: microsoft/security-utilities
(``AadClientAppIdentifiableCredentials``, ``LooseSasSecret``), Microsoft Learn pages for
each service, gitleaks' ``azure-ad-client-secret``.
"""

from __future__ import annotations

from scriptrunner.findings.model import Severity
from scriptrunner.scanners.secrets.rules.model import Rule
from scriptrunner.scanners.secrets.rules.shapes import keyed

_ALNUM = "A-Za-z0-9"
_B64 = "A-Za-z0-9+/"

AZURE_NAMED_RULES: tuple[Rule, ...] = (
    Rule(
        id="azure-ad-client-secret",
        title="Microsoft Entra ID (Azure AD) client secret",
        keywords=("7q~", "8q~"),
        pattern=r"(?<![\w~.+/-])(?P<secret>[\w~.-]{3}[78]Q~[\w~.-]{31,34})(?![\w~.+/-])",
        min_entropy=3.5,
        examples=(
            'AZURE_CLIENT_SECRET="{url:3}8Q~{url:34}"',
            "Connect-AzAccount -ServicePrincipal -ClientSecret '{alnum:3}7Q~{url:31}'",
        ),
        counterexamples=("secret = {url:3}8Q~{url:20}", "x{url:3}8Q~{url:34}~x"),
    ),
    keyed(
        "azure-devops-pat",
        "Azure DevOps personal access token (legacy)",
        ("azure_devops", "azuredevops", "azure-devops", "ado_", "azdo", "vsts", "devops_pat"),
        "[a-z2-7]{52}",
        chars=_ALNUM,
        severity=Severity.CRITICAL,
        examples=("AZURE_DEVOPS_PAT={b32:52}", "<AzureDevOpsToken>{b32:52}</AzureDevOpsToken>"),
        counterexamples=("AZURE_DEVOPS_PAT={b32:40}", "SOME_TOKEN={b32:52}"),
    ),
    keyed(
        "azure-ai-services-key",
        "Azure AI services / OpenAI key (legacy)",
        (
            "azure_openai",
            "azureopenai",
            "azure-openai",
            "cognitive",
            "azure_ai",
            "speech_key",
            "translator_key",
            "form_recognizer",
            "document_intelligence",
            "computer_vision",
        ),
        "[a-f0-9]{32}",
        chars=_ALNUM,
        examples=('AZURE_OPENAI_KEY = "{hex:32}"', "cognitive_services_key: {hex:32}"),
        counterexamples=("AZURE_OPENAI_ENDPOINT_ID={hex:32}", "OPENAI_KEY={hex:31}"),
    ),
    keyed(
        "azure-apim-key",
        "Azure API Management subscription key",
        (
            "ocp-apim-subscription-key",
            "apim",
            "subscription_key",
            "subscription-key",
            "subscriptionkey",
        ),
        "[a-f0-9]{32}",
        words=False,
        chars=_ALNUM,
        examples=('-H "Ocp-Apim-Subscription-Key: {hex:32}"', "APIM_SUBSCRIPTION_KEY={hex:32}"),
        counterexamples=("subscription_id = {hex:32}x",),
    ),
    Rule(
        id="azure-cosmosdb-key",
        title="Azure Cosmos DB account key",
        keywords=("documents.azure.com",),
        pattern=r"documents\.azure\.com[^\n]{0,120}?(?i:AccountKey|Key|MasterKey)[\"']?\s{0,3}"
        r"[=:,]\s{0,3}[\"']?(?P<secret>[A-Za-z0-9+/]{86}==)",
        min_entropy=4.0,
        priority=22,
        examples=("AccountEndpoint=https://x.documents.azure.com:443/;AccountKey={b64:86}==;",),
        counterexamples=(
            "AccountEndpoint=https://x.documents.azure.com:443/;AccountKey={b64:40}==",
        ),
    ),
    keyed(
        "azure-cosmosdb-key",
        "Azure Cosmos DB account key",
        ("cosmos",),
        "[A-Za-z0-9+/]{86}==",
        chars=_B64,
        severity=Severity.CRITICAL,
        min_entropy=4.0,
        examples=('COSMOS_KEY = "{b64:86}=="',),
        counterexamples=(
            'COSMOS_KEY = "{b64:80}=="',
            'COSMOS_KEY = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEc'
            'aGQy67XIw/Jw=="',  # the emulator's published key
        ),
    ),
    Rule(
        id="azure-sas-token",
        title="Azure shared access signature",
        keywords=("sig=",),
        # A SAS URL or connection string: the signature with the signed version beside it.
        pattern=r"(?:[?&;]|\b)sig=(?P<secret>[A-Za-z0-9%+/]{40,120}(?:%3[dD]|=){0,2})"
        r"(?![A-Za-z0-9%+/=])",
        context=("sv=", "sr=", "sp=", "se="),
        context_lines=0,
        severity=Severity.HIGH,
        min_entropy=3.5,
        examples=(
            "https://acct.blob.core.windows.net/c/f?sv=2022-11-02&ss=b&srt=o&sp=r"
            "&se=2030-01-01T00:00:00Z&sig={b64:43}%3D",
            "BlobEndpoint=https://a.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02"
            "&ss=b&sp=rl&se=2030-01-01&sig={alnum:44}%3D",
        ),
        counterexamples=("query?sig={b64:43}%3D&page=2",),
    ),
    Rule(
        id="azure-app-config-secret",
        title="Azure App Configuration connection string",
        keywords=("azconfig.io",),
        pattern=r"azconfig\.io;Id=[^;\s\"']{4,80};Secret=(?P<secret>[A-Za-z0-9+/]{36,100}={0,2})",
        min_entropy=3.5,
        examples=("Endpoint=https://app.azconfig.io;Id=AbCd-l0-s0:{alnum:20};Secret={b64:43}=",),
        counterexamples=("Endpoint=https://app.azconfig.io;Id=AbCd-l0-s0:x;Secret=${SECRET}",),
    ),
)

__all__ = ["AZURE_NAMED_RULES"]
