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
#: What stands between a name and its value: ``FAKE_TOKEN = "``, ``"fake_token": "``.
_BETWEEN = frozenset(" \t\"'`]:=>")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$.-")
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_FAKE = frozenset("fake dummy mock mocked stub sample example bogus placeholder".split())
_LOWER: dict[Confidence, Confidence] = {"HIGH": "MEDIUM", "MEDIUM": "LOW", "LOW": "LOW"}


def is_test_path(path: str) -> bool:
    """A file of tests, fixtures, mocks or examples (see the module docstring)."""
    return bool(_TEST_PATH.search(path.replace("\\", "/")))


def fake_name(text: str, pos: int) -> bool:
    """The name written just before ``text[pos]`` on its line says fake/dummy/mock/example."""
    end = pos
    while end > 0 and pos - end < 8 and text[end - 1] in _BETWEEN:
        end -= 1
    start = end
    while start > 0 and end - start < 80 and text[start - 1] in _NAME_CHARS:
        start -= 1
    if start == end:
        return False
    return any(w.lower() in _FAKE for w in _WORDS.findall(text, start, end))


def lowered(confidence: Confidence) -> Confidence:
    """One level lower (LOW stays LOW)."""
    return _LOWER[confidence]


__all__ = ["fake_name", "is_test_path", "lowered"]
