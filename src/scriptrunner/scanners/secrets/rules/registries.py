"""Package registries, artifact stores, deployment and API tools: JFrog, Octopus Deploy,
Clojars, crates.io, RubyGems, NuGet, Postman, Deno Deploy, ReadMe, Prefect, Infracost,
Frame.io, Figma, Linear.  Sources: the registries' token documentation (crates.io,
RubyGems, NuGet, Clojars), otherwise gitleaks / betterleaks / TruffleHog rules.
"""

from __future__ import annotations

from scriptrunner.scanners.secrets.rules.model import Rule
from scriptrunner.scanners.secrets.rules.shapes import keyed, token

_ALNUM = "A-Za-z0-9"

REGISTRY_RULES: tuple[Rule, ...] = (
    token(
        "jfrog-token",
        "JFrog Artifactory API key",
        "AKCp",
        "[A-Za-z0-9]{69}",
        keyword_boundary=True,
        min_entropy=3.5,
        examples=("ARTIFACTORY_API_KEY=AKCp{alnum:69}",),
        counterexamples=("AKCp{alnum:40}",),
    ),
    token(
        "jfrog-token",
        "JFrog reference token",
        "cmVmdGtu",
        "[A-Za-z0-9]{56}",
        keyword_boundary=True,
        min_entropy=3.5,
        examples=("JFROG_ACCESS_TOKEN=cmVmdGtu{alnum:56}",),
        counterexamples=("cmVmdGtu{alnum:30}",),
    ),
    keyed(
        "jfrog-token",
        "JFrog access token",
        ("jfrog", "artifactory"),
        "[a-z0-9]{64}|[a-z0-9]{73}",
        examples=("ARTIFACTORY_TOKEN={lowalnum:64}",),
        counterexamples=("ARTIFACTORY_URL_HASH={lowalnum:64}",),
    ),
    token(
        "octopus-deploy-api-key",
        "Octopus Deploy API key",
        "API-",
        "[A-Z0-9]{26,32}",
        chars=_ALNUM + "_-",
        keyword_boundary=True,
        min_entropy=3.5,
        examples=("OCTOPUS_API_KEY=API-{UPPER:26}",),
        counterexamples=("API-{UPPER:20}", "X-API-{UPPER:26}"),
    ),
    token(
        "clojars-token",
        "Clojars deploy token",
        "CLOJARS_",
        "[a-z0-9]{60}",
        examples=("clojars_token: CLOJARS_{lowalnum:60}",),
        counterexamples=("CLOJARS_{lowalnum:30}",),
    ),
    token(
        "crates-io-token",
        "crates.io API token",
        "cio",
        "[A-Za-z0-9]{32}",
        chars=_ALNUM + "_-",
        keyword_boundary=True,
        min_entropy=3.5,
        examples=("CARGO_REGISTRY_TOKEN=cio{alnum:32}",),
        counterexamples=("cio{alnum:20}", "precio{alnum:32}"),
    ),
    token(
        "rubygems-token",
        "RubyGems API key",
        "rubygems_",
        "[a-f0-9]{48}",
        examples=("GEM_HOST_API_KEY=rubygems_{hex:48}",),
        counterexamples=("rubygems_{hex:20}",),
    ),
    token(
        "nuget-api-key",
        "NuGet API key",
        "oy2",
        "[a-z2-7]{43}",
        chars=_ALNUM,
        keyword_boundary=True,
        min_entropy=3.5,
        examples=("dotnet nuget push x.nupkg --api-key oy2{b32:43}",),
        counterexamples=("oy2{b32:20}",),
    ),
    token(
        "postman-api-key",
        "Postman API key",
        "PMAK-",
        "[a-f0-9]{24}-[a-f0-9]{34}",
        examples=("POSTMAN_API_KEY=PMAK-{hex:24}-{hex:34}",),
        counterexamples=("PMAK-{hex:24}",),
    ),
    token(
        "deno-deploy-token",
        "Deno Deploy access token",
        ("ddp_", "ddo_"),
        "[A-Za-z0-9]{36}",
        examples=("DENO_DEPLOY_TOKEN=ddp_{alnum:36}",),
        counterexamples=("ddp_{alnum:20}",),
    ),
    token(
        "linear-api-key",
        "Linear API key",
        "lin_api_",
        "[A-Za-z0-9]{40}",
        # The keyword prefilter matches without overlaps: "lin_api_" would hide "api_key"
        # in LIN_API_KEY from the generic rules; the longer keyword triggers both.
        keywords=("lin_api_", "lin_api_key"),
        examples=("LINEAR_API_KEY=lin_api_{alnum:40}",),
        counterexamples=("lin_api_{alnum:20}",),
    ),
    keyed(
        "linear-api-key",
        "Linear OAuth client secret",
        ("linear",),
        "[a-f0-9]{32}",
        examples=("LINEAR_CLIENT_SECRET={hex:32}",),
        counterexamples=("LINEAR_TEAM_ID={hex:32}",),
        nested=False,  # a common word: no section-header matches
    ),
    token(
        "figma-token",
        "Figma personal access token",
        "figd_",
        "[A-Za-z0-9_-]{38,42}",
        examples=("FIGMA_TOKEN=figd_{url:40}",),
        counterexamples=("figd_{url:20}",),
    ),
    token(
        "readme-api-key",
        "ReadMe API key",
        "rdme_",
        "[a-z0-9]{70}",
        examples=("README_API_KEY=rdme_{lowalnum:70}",),
        counterexamples=("rdme_{lowalnum:30}",),
    ),
    token(
        "prefect-api-key",
        "Prefect API key",
        "pnu_",
        "[A-Za-z0-9]{36}",
        examples=("PREFECT_API_KEY=pnu_{alnum:36}",),
        counterexamples=("pnu_{alnum:20}",),
    ),
    token(
        "infracost-api-key",
        "Infracost API key",
        "ico-",
        "[A-Za-z0-9]{32}",
        keyword_boundary=True,
        examples=("INFRACOST_API_KEY=ico-{alnum:32}",),
        counterexamples=("ico-{alnum:20}",),
    ),
    token(
        "frameio-token",
        "Frame.io developer token",
        "fio-u-",
        "[A-Za-z0-9_=-]{64}",
        chars=_ALNUM + "_=-",
        examples=("FRAMEIO_TOKEN=fio-u-{url:64}",),
        counterexamples=("fio-u-{url:30}",),
    ),
)

__all__ = ["REGISTRY_RULES"]
