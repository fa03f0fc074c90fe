"""AI agents, search, hosting and gateway APIs: Fireworks, Voyage, Tavily, Firecrawl,
Moonshot (Kimi), Cursor, Devin, RunPod, Anyscale.  Sources: the providers' API-key pages
where they show the prefix (Tavily ``tvly-``, Firecrawl ``fc-``, Fireworks ``fw_``),
otherwise betterleaks / TruffleHog rules.
"""

from __future__ import annotations

from scriptrunner.scanners.secrets.rules.model import Rule
from scriptrunner.scanners.secrets.rules.shapes import keyed, token

AI_TOOL_RULES: tuple[Rule, ...] = (
    token(
        "fireworks-api-key",
        "Fireworks AI API key",
        "fw_",
        "[A-Za-z0-9]{24}",
        keyword_boundary=True,
        min_entropy=3.5,
        examples=("FIREWORKS_API_KEY=fw_{alnum:24}",),
        counterexamples=("fw_{alnum:12}",),
    ),
    keyed(
        "voyage-api-key",
        "Voyage AI API key",
        ("voyage",),
        "pa-[A-Za-z0-9_-]{43}",
        words=False,
        confidence="HIGH",
        examples=("VOYAGE_API_KEY=pa-{url:43}",),
        counterexamples=("VOYAGE_API_KEY=pa-{url:20}",),
    ),
    token(
        "tavily-api-key",
        "Tavily API key",
        "tvly-",
        "(?:dev-|prod-)?[A-Za-z0-9]{32}",
        examples=("TAVILY_API_KEY=tvly-{alnum:32}", "tvly-dev-{alnum:32}"),
        counterexamples=("tvly-{alnum:20}",),
    ),
    token(
        "firecrawl-api-key",
        "Firecrawl API key",
        "fc-",
        "[a-f0-9]{32}",
        keyword_boundary=True,
        examples=("FIRECRAWL_API_KEY=fc-{hex:32}",),
        counterexamples=("fc-{hex:20}",),
    ),
    keyed(
        "moonshot-api-key",
        "Moonshot (Kimi) API key",
        ("moonshot", "kimi"),
        "sk-[A-Za-z0-9]{48}",
        words=False,
        confidence="HIGH",
        examples=("MOONSHOT_API_KEY=sk-{alnum:48}",),
        counterexamples=("MOONSHOT_API_KEY=sk-{alnum:20}",),
    ),
    keyed(
        "cursor-api-key",
        "Cursor API key",
        ("cursor",),
        "key_[0-9a-f]{64}",
        words=False,
        confidence="HIGH",
        examples=("CURSOR_API_KEY=key_{hex:64}",),
        counterexamples=("CURSOR_API_KEY=key_{hex:20}",),
    ),
    token(
        "devin-api-key",
        "Devin API key",
        ("apk_user_", "apk_"),
        "[A-Za-z0-9+/]{80,180}={0,2}",
        chars="A-Za-z0-9_+/=-",
        keyword_boundary=True,
        examples=("DEVIN_API_KEY=apk_user_{b64:140}",),
        counterexamples=("apk_{b64:20}",),
    ),
    token(
        "runpod-api-key",
        "RunPod API key",
        "rpa_",
        "[A-Z0-9]{40}[A-Za-z0-9]{6}",
        keyword_boundary=True,
        examples=("RUNPOD_API_KEY=rpa_{UPPER:40}{alnum:6}",),
        counterexamples=("rpa_{UPPER:20}",),
    ),
    token(
        "anyscale-api-key",
        "Anyscale API key",
        "esecret_",
        "[A-Za-z0-9]{26}",
        examples=("ANYSCALE_API_KEY=esecret_{alnum:26}",),
        counterexamples=("esecret_{alnum:10}",),
    ),
)

__all__ = ["AI_TOOL_RULES"]
