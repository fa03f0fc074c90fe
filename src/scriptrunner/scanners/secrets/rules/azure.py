"""Microsoft Azure *identifiable* keys: a fixed signature at a fixed offset (``+ASt`` in a
storage key, ``AzFu`` in a function key, ``JQQJ9`` in the 84-character "common annotated
security keys" of Azure DevOps and the AI services), published by Microsoft in
microsoft/security-utilities (``GeneratedRegexPatterns/*.json``, ``IdentifiableMetadata.cs``).
Keys without a signature are in ``azure_named.py``.
"""

from __future__ import annotations

import re

from scriptrunner.findings.model import Severity
from scriptrunner.scanners.secrets.rules.model import Rule

_B64 = "A-Za-z0-9+/"
_ALNUM = "A-Za-z0-9"


def _identifiable(
    rule_id: str,
    title: str,
    signature: str,
    before: int,
    after: str,
    keywords: tuple[str, ...],
    examples: tuple[str, ...],
    *,
    chars: str = _B64,
    severity: Severity = Severity.CRITICAL,
) -> Rule:
    """``before`` characters of ``chars``, the ``signature`` (regex), then ``after``."""
    return Rule(
        id=rule_id,
        title=title,
        keywords=keywords,
        pattern=rf"(?<![{chars}_-])(?P<secret>[{chars}]{{{before}}}{signature}{after})"
        rf"(?![{chars}_=-])",
        severity=severity,
        min_entropy=3.5,
        priority=22,  # over the generic SharedAccessKey/AccountKey rules on the same value
        examples=examples,
        # The same values with too few characters before the signature.
        counterexamples=tuple(re.sub(rf"\{{(\w+):{before}\}}", r"{\1:20}", e) for e in examples),
    )


_SHORT = r"[A-P][A-Za-z0-9+/]{5}="  # 44-character identifiable keys end like this
_LONG = r"[A-Za-z0-9+/]{5}[AQgw]=="  # 88-character ones like this
_CASK = rf"[{_ALNUM}]{{52}}JQQJ9[9DH][{_ALNUM}][A-L][{_ALNUM}]{{12}}"

AZURE_RULES: tuple[Rule, ...] = (
    _identifiable(
        "azure-storage-key",
        "Azure storage account key (identifiable)",
        r"\+ASt",
        76,
        _LONG,
        ("+ast",),
        ("AZURE_STORAGE_KEY={b64:76}+ASt{b64:5}A==",),
    ),
    _identifiable(
        "azure-cosmosdb-key",
        "Azure Cosmos DB key (identifiable)",
        "ACDb",
        76,
        _LONG,
        ("acdb",),
        ('"CosmosKey": "{b64:76}ACDb{b64:5}g=="',),
    ),
    _identifiable(
        "azure-batch-key",
        "Azure Batch key (identifiable)",
        r"\+ABa",
        76,
        _LONG,
        ("+aba",),
        ("BATCH_KEY={b64:76}+ABa{b64:5}Q==",),
    ),
    _identifiable(
        "azure-ml-key",
        "Azure Machine Learning web service key (identifiable)",
        r"\+AMC",
        76,
        _LONG,
        ("+amc",),
        ("ML_KEY={b64:76}+AMC{b64:5}w==",),
    ),
    _identifiable(
        "azure-apim-key",
        "Azure API Management key (identifiable)",
        "APIM",
        76,
        _LONG,
        ("apim",),
        ("Ocp-Apim-Subscription-Key: {b64:76}APIM{b64:5}A==",),
    ),
    _identifiable(
        "azure-function-key",
        "Azure Functions key (identifiable)",
        "AzFu",
        44,
        r"[A-Za-z0-9_-]{5}[AQgw]==",
        ("azfu",),
        ("x-functions-key: {url:44}AzFu{url:5}A==",),
        chars=_ALNUM + "_-",
    ),
    _identifiable(
        "azure-servicebus-key",
        "Azure Service Bus key (identifiable)",
        r"\+ASb",
        33,
        _SHORT,
        ("+asb",),
        ("Endpoint=sb://x.servicebus.windows.net/;SharedAccessKey={b64:33}+ASbC{b64:5}=",),
    ),
    _identifiable(
        "azure-eventhub-key",
        "Azure Event Hubs key (identifiable)",
        r"\+AEh",
        33,
        _SHORT,
        ("+aeh",),
        ("EVENTHUB_KEY={b64:33}+AEhD{b64:5}=",),
    ),
    _identifiable(
        "azure-relay-key",
        "Azure Relay key (identifiable)",
        r"\+ARm",
        33,
        _SHORT,
        ("+arm",),
        ("RELAY_KEY={b64:33}+ARmB{b64:5}=",),
    ),
    _identifiable(
        "azure-iot-key",
        "Azure IoT Hub / device key (identifiable)",
        "AIoT",
        33,
        _SHORT,
        ("aiot",),
        ("HostName=x.azure-devices.net;SharedAccessKey={b64:33}AIoTA{b64:5}=",),
    ),
    _identifiable(
        "azure-eventgrid-key",
        "Azure Event Grid key (identifiable)",
        "AZEG",
        33,
        _SHORT,
        ("azeg",),
        ("aeg-sas-key: {b64:33}AZEGC{b64:5}=",),
    ),
    _identifiable(
        "azure-redis-key",
        "Azure Cache for Redis key (identifiable)",
        "AzCa",
        33,
        _SHORT,
        ("azca",),
        ("REDIS_PASSWORD={b64:33}AzCaE{b64:5}=",),
    ),
    _identifiable(
        "azure-container-registry-key",
        "Azure Container Registry password (identifiable)",
        r"\+ACR",
        42,
        r"[A-D][A-Za-z0-9+/]{5}",
        ("+acr",),
        ("docker login x.azurecr.io -u x -p {b64:42}+ACRB{b64:5}",),
    ),
    _identifiable(
        "azure-search-key",
        "Azure AI Search key (identifiable)",
        "AzSe",
        42,
        r"[A-D][A-Za-z0-9]{5}",
        ("azse",),
        ('"SearchApiKey": "{alnum:42}AzSeA{alnum:5}"',),
        chars=_ALNUM,
    ),
    Rule(
        id="azure-devops-pat",
        title="Azure DevOps personal access token",
        keywords=("jqqj9",),
        pattern=rf"(?<![{_ALNUM}])(?P<secret>{_CASK}AAAAAZDO[{_ALNUM}]{{4}})(?:[{_ALNUM}]{{2}}==)?"
        rf"(?![{_ALNUM}])",
        min_entropy=3.5,
        priority=23,
        examples=("AZURE_DEVOPS_EXT_PAT={alnum:52}JQQJ99{alnum:1}B{alnum:12}AAAAAZDO{alnum:4}",),
        counterexamples=("pat = {alnum:50}JQQJ99{alnum:1}B{alnum:12}AAAAAZDO{alnum:4}",),
    ),
    Rule(
        id="azure-ai-services-key",
        title="Azure AI services / OpenAI key",
        keywords=("jqqj9",),
        pattern=rf"(?<![{_ALNUM}])(?P<secret>{_CASK}AAA[A-Za-z]ACOG[{_ALNUM}]{{4}})"
        rf"(?:[{_ALNUM}]{{2}}==)?(?![{_ALNUM}])",
        min_entropy=3.5,
        priority=23,
        examples=("AZURE_OPENAI_API_KEY={alnum:52}JQQJ99{alnum:1}C{alnum:12}AAABACOG{alnum:4}",),
        counterexamples=(
            "AZURE_OPENAI_API_KEY={alnum:52}JQQJ99{alnum:1}C{alnum:12}AAABACOG{alnum:3}",
            "AZURE_OPENAI_API_KEY={alnum:52}JQQJ99{alnum:1}C{alnum:12}AAABACOX{alnum:4}",
        ),
    ),
    Rule(
        id="azure-cask-key",
        title="Azure common annotated security key",
        keywords=("jqqj9",),
        pattern=rf"(?<![{_ALNUM}])(?P<secret>[{_ALNUM}]{{52}}JQQJ9[9DH][{_ALNUM}][A-L]"
        rf"[{_ALNUM}]{{16}}[A-Za-z][{_ALNUM}]{{7}}(?:[{_ALNUM}]{{2}}==)?)(?![{_ALNUM}])",
        min_entropy=3.5,
        priority=21,
        examples=("KEY={alnum:52}JQQJ9D{alnum:1}A{alnum:16}Q{alnum:7}",),
        counterexamples=("KEY={alnum:52}JQQJ9D{alnum:1}A{alnum:16}Q{alnum:3}",),
    ),
)

__all__ = ["AZURE_RULES"]
