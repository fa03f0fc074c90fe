"""The labelled secrets corpus generator (tests/fixtures/secrets_corpus.py) checks itself.

The corpus is the yardstick of the secrets scanner's recall and precision, so its labels must
be right: every rule id planted often enough, each label on a line that holds the secret,
negatives apart from labels, values in their real formats, files that parse as their format.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import re
import zlib
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml

from fixtures.secrets_corpus import (
    B62,
    NEG_PLAN,
    PER_RULE,
    RULES,
    Corpus,
    build_corpus,
    score,
    stdlib_tree,
)

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return build_corpus(tmp_path_factory.mktemp("corpus"))


def tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def test_same_seed_writes_the_same_files_and_another_seed_does_not(
    tmp_path: Path, corpus: Corpus
) -> None:
    again = build_corpus(tmp_path / "again")
    assert tree_digest(tmp_path / "again") == tree_digest(corpus.root)
    assert again.labels == corpus.labels and again.negatives == corpus.negatives
    other = build_corpus(tmp_path / "other", seed=8)
    assert tree_digest(tmp_path / "other") != tree_digest(corpus.root)
    assert other.labels != corpus.labels


def test_every_rule_id_is_planted_at_least_30_times(corpus: Corpus) -> None:
    counts = Counter(corpus.label_types.values())
    assert set(counts) == set(RULES)
    assert min(counts.values()) >= 30 and PER_RULE >= 30, counts


def test_enough_hard_negatives_of_every_category(corpus: Corpus) -> None:
    counts = Counter(corpus.negatives.values())
    assert set(NEG_PLAN) <= set(counts)
    assert "lockfile-integrity" in counts
    assert sum(counts.values()) >= 1500
    assert all(counts[c] >= n for c, n in NEG_PLAN.items()), counts


def test_labels_point_at_lines_holding_the_secret(corpus: Corpus) -> None:
    lines = {p: (corpus.root / p).read_text(encoding="utf-8").splitlines() for p in corpus.files}
    for (path, n), anchor in corpus.anchors.items():
        assert anchor in lines[path][n - 1], (path, n)
    for (path, n), value in corpus.values.items():
        text = lines[path][n - 1]
        if corpus.label_types[(path, n)] in ("private-key", "gcp-service-account"):
            assert "PRIVATE KEY" in text, (path, n)
        else:
            assert value in text, (path, n)
    for (path, n), value in corpus.allowed_values.items():
        assert value in lines[path][n - 1] and re.search(r"allow", lines[path][n - 1])


def test_negatives_never_coincide_with_labels(corpus: Corpus) -> None:
    assert not corpus.labels & corpus.negatives.keys()
    assert set(corpus.label_types) == corpus.labels


def test_files_mix_secrets_with_negatives_in_many_formats(corpus: Corpus) -> None:
    labelled = {p for p, _ in corpus.labels}
    mixed = labelled & {p for p, _ in corpus.negatives}
    assert len(mixed) >= 150
    suffixes = {Path(p).suffix or Path(p).name for p in labelled}
    expected = {".py", ".js", ".ts", ".yaml", ".yml", ".json", ".ini", ".cfg", ".toml", ".sh", ".tf",
                ".ipynb", ".properties", ".xml", ".md", ".local", ".npmrc", ".pypirc", "Dockerfile"}  # fmt: skip
    assert expected <= suffixes, expected - suffixes
    assert 400_000 < corpus.bytes < 2_000_000
    assert any(p.endswith("package-lock.json") for p in corpus.files)
    assert any(p.endswith("poetry.lock") for p in corpus.files)


def test_structured_files_parse_as_their_format(corpus: Corpus) -> None:
    for path in corpus.files:
        text = (corpus.root / path).read_text(encoding="utf-8")
        name = Path(path).name
        if name.endswith(".py"):
            ast.parse(text, filename=path)
        elif name.endswith((".json", ".ipynb")):
            doc = json.loads(text)
            if name.endswith(".ipynb"):
                assert doc["nbformat"] == 4 and doc["cells"], path
        elif name.endswith((".yaml", ".yml")):
            list(yaml.safe_load_all(text))
        elif name.endswith((".toml", ".lock")) and not name.endswith("yarn.lock"):
            tomllib.loads(text)
        elif name.endswith((".xml", ".config")):
            ElementTree.fromstring(text)


def b62decode(text: str) -> int:
    n = 0
    for ch in text:
        n = n * 62 + B62.index(ch)
    return n


def test_values_have_their_real_formats(corpus: Corpus) -> None:
    by_rule: dict[str, list[str]] = {}
    for key, rule in corpus.label_types.items():
        by_rule.setdefault(rule, []).append(corpus.values[key])
    for token in by_rule["github-token"] + by_rule["npm-token"]:
        if token.startswith("github_pat_"):
            assert re.fullmatch(r"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}", token)
            continue
        body = token.split("_", 1)[1]
        assert len(body) == 36 and b62decode(body[30:]) == zlib.crc32(body[:30].encode()), token
    for token in by_rule["jwt"]:
        header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
        assert header["alg"] and header["typ"] == "JWT"
    for key in by_rule["azure-storage-key"]:
        assert len(key) == 88 and key.endswith("==") and len(base64.b64decode(key)) == 64
    for key in by_rule["aws-access-key-id"]:
        assert re.fullmatch(r"(AKIA|ASIA)[A-Z2-7]{16}", key)
    for key in by_rule["age-secret-key"]:
        assert re.fullmatch(r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}", key)
    for key in by_rule["anthropic-api-key"]:
        assert re.fullmatch(r"sk-ant-(api03|admin01)-[\w-]{93}AA", key)
    for key in by_rule["slack-webhook"]:
        assert re.fullmatch(
            r"https://hooks\.slack\.com/services/T[A-Z0-9]{8,10}/B[A-Z0-9]{8,10}/[A-Za-z0-9]{24}",
            key,
        )
    for key in by_rule["discord-bot-token"]:
        assert re.fullmatch(r"[MN][A-Za-z\d]{23,25}\.[\w-]{6}\.[\w-]{27,38}", key)
    for key in by_rule["telegram-bot-token"]:
        assert re.fullmatch(r"\d{8,10}:AA[A-Za-z0-9_-]{33}", key)


def test_score_counts_by_file_and_line(corpus: Corpus) -> None:
    labels = sorted(corpus.labels)
    negative = next(iter(corpus.negatives))
    half = [(p, n, "x") for p, n in labels[: len(labels) // 2]]
    # two findings on one line count once; one on a negative is a false positive
    s = score([*half, (half[0][0], half[0][1], "y"), (*negative, "generic-secret")], corpus)
    assert s.found == len(labels) // 2 and s.recall == pytest.approx(0.5, abs=0.01)
    assert s.finding_lines == len(half) + 1
    assert s.precision == pytest.approx(len(half) / (len(half) + 1))
    assert s.false_positives == [(*negative, "generic-secret", corpus.negatives[negative])]
    assert len(s.misses) == len(labels) - len(half)
    assert "false positives (1)" in s.summary(corpus)
    perfect = score([(f"./{p}", n, "r") for p, n in labels], corpus)
    assert perfect.recall == perfect.precision == 1.0 and not perfect.misses
    assert all(found == total for found, total in perfect.per_rule.values())


def test_stdlib_tree_is_the_standard_library() -> None:
    root = stdlib_tree()
    assert (root / "os.py").is_file() and (root / "json" / "__init__.py").is_file()
