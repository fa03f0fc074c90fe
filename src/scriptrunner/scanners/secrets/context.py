"""What a match's place says about it: test fixtures, examples and fake names.

* A file of tests, fixtures, mocks or examples (``tests/``, ``fixtures/``, ``test_*.py``,
  ``*_test.go``, ``*.spec.ts``, ``FooTest.java``, ``conftest.py``, ``examples/``,
  ``.env.example``) holds values made for tests and documentation, and sometimes a real token
  captured for a test: every match there is reported one confidence level lower (HIGH ->
  MEDIUM, MEDIUM -> LOW).
* A value whose own name says it is not real (``FAKE_GITHUB_TOKEN``, ``dummyPassword``,
  ``mock_api_key``, ``EXAMPLE_SECRET``) is reported at LOW confidence.
"""

from __future__ import annotations

import re

from scriptrunner.findings.model import Confidence

_TEST_DIRS = (
    r"tests?|testing|__tests__|spec|specs|fixtures?|__fixtures__|testdata|test[-_]data"
    r"|mocks?|__mocks__|stubs|examples?|samples?"
)
_TEST_FILES = (
    r"test_[^/]*|[^/]*_test\.\w+|[^/]*[._-](?:test|spec|tests)\.\w+|conftest\.py"
    r"|[^/]*Tests?\.(?:java|kt|cs|scala|swift|groovy|php)|[^/]*[-_.]examples?(?:[-_.][^/]*)?"
    r"|examples?[-_.][^/]*|[^/]*\.sample"
)
_TEST_PATH = re.compile(rf"(?:^|/)(?:{_TEST_DIRS})/|(?:^|/)(?:{_TEST_FILES})$", re.IGNORECASE)
#: The name written just before a value on its line: ``FAKE_TOKEN = "`` -> ``FAKE_TOKEN``.
_NAME_BEFORE = re.compile(
    r"([A-Za-z_$][\w$.-]{0,80})[\"'`\]]{0,2}[ \t]*(?:[:=]{1,2}|=>)?[ \t]*"
    r"[\"'`]?$"
)
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_FAKE = frozenset("fake dummy mock mocked stub sample example bogus placeholder".split())
_LOWER: dict[Confidence, Confidence] = {"HIGH": "MEDIUM", "MEDIUM": "LOW", "LOW": "LOW"}


def is_test_path(path: str) -> bool:
    """A file of tests, fixtures, mocks or examples (see the module docstring)."""
    return bool(_TEST_PATH.search(path.replace("\\", "/")))


def fake_name(text: str, pos: int) -> bool:
    """The name written just before ``text[pos]`` on its line says fake/dummy/mock/example."""
    start = max(text.rfind("\n", 0, pos) + 1, pos - 120)
    m = _NAME_BEFORE.search(text, start, pos)
    if m is None:
        return False
    return any(w.lower() in _FAKE for w in _WORDS.findall(m.group(1)))


def lowered(confidence: Confidence) -> Confidence:
    """One level lower (LOW stays LOW)."""
    return _LOWER[confidence]


__all__ = ["fake_name", "is_test_path", "lowered"]
