"""Source hosting, CI/CD and code quality (GitHub and GitLab are in ``providers.py``):
Bitbucket, Atlassian, Gitea, Sourcegraph, CircleCI, Travis CI, Drone, Buildkite, Codecov,
SonarQube, Snyk, Harness.  Sources: Atlassian's and SonarSource's token documentation,
otherwise gitleaks / betterleaks / TruffleHog rules.
"""

from __future__ import annotations

from scriptrunner.findings.model import Severity
from scriptrunner.scanners.secrets.rules.model import Rule
from scriptrunner.scanners.secrets.rules.shapes import UUID, keyed, token

_ALNUM = "A-Za-z0-9"

DEVTOOLS_RULES: tuple[Rule, ...] = (
    token(
        "bitbucket-token",
        "Bitbucket app password",
        "ATBB",
        "[A-Za-z0-9_=.-]{28,60}",
        chars=_ALNUM + "_=.-",
        keyword_boundary=True,
        examples=("BITBUCKET_APP_PASSWORD=ATBB{alnum:32}",),
        counterexamples=("ATBB{alnum:10}",),
    ),
    token(
        "bitbucket-token",
        "Bitbucket access token",
        "ATCTT3xFfGN0",
        "[A-Za-z0-9_=-]{100,400}",
        chars=_ALNUM + "_=-",
        examples=("BITBUCKET_ACCESS_TOKEN=ATCTT3xFfGN0{url:180}={HEX:8}",),
        counterexamples=("ATCTT3xFfGN0{url:40}",),
    ),
    keyed(
        "bitbucket-token",
        "Bitbucket OAuth consumer secret",
        ("bitbucket",),
        "[A-Za-z0-9]{32}",
        examples=("BITBUCKET_CLIENT_SECRET={alnum:32}",),
        counterexamples=("BITBUCKET_WORKSPACE={alnum:32}",),
    ),
    token(
        "atlassian-api-token",
        "Atlassian API token",
        "ATATT3",
        "[A-Za-z0-9_=-]{186}",
        chars=_ALNUM + "_=-",
        examples=("JIRA_API_TOKEN=ATATT3{url:178}={HEX:7}",),
        counterexamples=("ATATT3{url:60}",),
    ),
    keyed(
        "atlassian-api-token",
        "Atlassian API token (legacy)",
        ("atlassian", "jira", "confluence"),
        "[A-Za-z0-9]{24}",
        examples=("JIRA_API_TOKEN={alnum:24}", 'confluence_token: "{alnum:24}"'),
        counterexamples=("JIRA_PROJECT_KEY={alnum:16}", "JIRA_ISSUE={alnum:24}"),
    ),
    keyed(
        "gitea-token",
        "Gitea / Forgejo access token",
        ("gitea", "forgejo"),
        "[a-f0-9]{40}",
        examples=("GITEA_TOKEN={hex:40}",),
        counterexamples=("GITEA_COMMIT={hex:40}",),
    ),
    token(
        "sourcegraph-token",
        "Sourcegraph access token",
        "sgp_",
        "(?:[a-f0-9]{16}_|local_)?[a-f0-9]{40}",
        examples=("SRC_ACCESS_TOKEN=sgp_{hex:16}_{hex:40}", "sgp_local_{hex:40}", "sgp_{hex:40}"),
        counterexamples=("sgp_{hex:20}",),
    ),
    token(
        "circleci-token",
        "CircleCI personal or project token",
        ("CCIPAT_", "CCIPRJ_"),
        "[A-Za-z0-9]{22}_[a-f0-9]{40}",
        examples=("CIRCLECI_TOKEN=CCIPAT_{alnum:22}_{hex:40}", "CCIPRJ_{alnum:22}_{hex:40}"),
        counterexamples=("CCIPAT_{alnum:22}",),
    ),
    keyed(
        "circleci-token",
        "CircleCI API token (legacy)",
        ("circleci", "circle_token", "circle-token"),
        "[a-f0-9]{40}",
        examples=("CIRCLECI_TOKEN={hex:40}", "circle-token: {hex:40}"),
        counterexamples=("CIRCLE_SHA1={hex:40}",),
    ),
    keyed(
        "travis-ci-token",
        "Travis CI API token",
        ("travis",),
        "[A-Za-z0-9_-]{22}",
        examples=("TRAVIS_API_TOKEN={url:22}",),
        counterexamples=("TRAVIS_BUILD_ID={url:22}",),
    ),
    keyed(
        "drone-ci-token",
        "Drone CI token",
        ("drone",),
        "[A-Za-z0-9]{32}",
        examples=("DRONE_TOKEN={alnum:32}",),
        counterexamples=("DRONE_COMMIT={alnum:32}",),
        nested=False,  # a common word: no section-header matches
    ),
    token(
        "buildkite-token",
        "Buildkite access token",
        ("bkua_", "bkaa_", "bkar_", "bkct_", "bkpt_", "bkpat_", "bkps_", "bkaj_"),
        "[A-Za-z0-9_-]{40,333}",
        examples=("BUILDKITE_API_TOKEN=bkua_{hex:40}", "bkct_{url:73}"),
        counterexamples=("bkua_{hex:20}",),
    ),
    keyed(
        "codecov-token",
        "Codecov upload token",
        ("codecov",),
        UUID + "|[a-f0-9]{32}",
        examples=("CODECOV_TOKEN={hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}",),
        counterexamples=("CODECOV_FLAGS={hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}",),
    ),
    token(
        "sonarqube-token",
        "SonarQube / SonarCloud token",
        ("squ_", "sqp_", "sqa_"),
        "[a-f0-9]{40}",
        examples=("SONAR_TOKEN=squ_{hex:40}", "sonar.token=sqp_{hex:40}"),
        counterexamples=("squ_{hex:30}",),
    ),
    keyed(
        "sonarqube-token",
        "SonarQube token (legacy)",
        ("sonar",),
        "[a-f0-9]{40}",
        examples=("SONAR_TOKEN={hex:40}", "-Dsonar.login={hex:40}"),
        counterexamples=("SONAR_SCM_REVISION={hex:40}",),
    ),
    keyed(
        "snyk-token",
        "Snyk API token",
        ("snyk",),
        UUID,
        severity=Severity.HIGH,
        examples=("SNYK_TOKEN={hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}",),
        counterexamples=("SNYK_ORG_ID={hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}",),
    ),
    token(
        "harness-token",
        "Harness personal or service-account token",
        ("pat.", "sat."),
        r"[A-Za-z0-9_-]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20}",
        keyword_boundary=True,
        examples=("HARNESS_API_KEY=pat.{url:22}.{alnum:24}.{alnum:20}",),
        counterexamples=("pat.{url:22}.{alnum:24}",),
    ),
    Rule(
        id="gitlab-session-cookie",
        title="GitLab session cookie",
        keywords=("_gitlab_session=",),
        pattern=r"_gitlab_session=(?P<secret>[0-9a-z]{32})(?![0-9a-z])",
        severity=Severity.HIGH,
        min_entropy=3.0,
        examples=("Cookie: _gitlab_session={lowalnum:32}",),
        counterexamples=("Cookie: _gitlab_session={lowalnum:20}",),
    ),
)

__all__ = ["DEVTOOLS_RULES"]
