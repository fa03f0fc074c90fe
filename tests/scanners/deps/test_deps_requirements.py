"""requirements*.txt as pip reads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from scriptrunner.errors import ConfigError
from scriptrunner.scanners.deps.inputs import load_inputs
from scriptrunner.scanners.deps.inputs.requirements import parse_requirements

PY311_LINUX = {
    "python_version": "3.11", "python_full_version": "3.11.7", "sys_platform": "linux",
    "platform_system": "Linux", "os_name": "posix", "platform_machine": "x86_64",
    "implementation_name": "cpython", "platform_python_implementation": "CPython",
    "implementation_version": "3.11.7", "platform_release": "", "platform_version": "",
}  # fmt: skip


def parse(tmp_path: Path, text: str, name: str = "requirements.txt", **kw: object) -> list:
    path = tmp_path / name
    path.write_text(text)
    return parse_requirements(path, tmp_path, PY311_LINUX if not kw else kw["env"])  # type: ignore[arg-type]


def test_pins_extras_comments_and_line_numbers(tmp_path: Path) -> None:
    deps = parse(
        tmp_path,
        "# a comment\n\nDjango==3.2.0  # trailing comment\nrequests[socks,security]===2.19.0\n"
        "frag @ https://example.com/f-1.0.tar.gz#sha256=ab\n",
    )
    assert [(d.name, d.version, d.line, d.extras) for d in deps[:2]] == [
        ("Django", "3.2.0", 3, ()),
        ("requests", "2.19.0", 4, ("security", "socks")),
    ]
    assert deps[0].source == "requirements.txt" and deps[0].key == "django"
    # ``#`` not preceded by whitespace is part of the line (a URL fragment), not a comment.
    assert "#sha256=ab" in (deps[2].unresolvable or "")


def test_continuations_and_hashes(tmp_path: Path) -> None:
    deps = parse(
        tmp_path,
        "first==1.0\nrequests==2.31.0 \\\n    --hash=sha256:AAAA \\\n    --hash sha256:bbbb\nlast==2.0\n",
    )
    assert [(d.name, d.line) for d in deps] == [("first", 1), ("requests", 2), ("last", 5)]
    assert deps[1].hashes == ("sha256:aaaa", "sha256:bbbb")


def test_markers_are_evaluated_against_the_target_environment(tmp_path: Path) -> None:
    text = 'old==1.0; python_version < "3.8"\nnew==2.0; python_version >= "3.8"\nwin==1.0; sys_platform == "win32"\n'
    assert [d.name for d in parse(tmp_path, text)] == ["new"]
    windows = {**PY311_LINUX, "sys_platform": "win32", "python_version": "3.7"}
    assert [d.name for d in parse(tmp_path, text, env=windows)] == ["old", "win"]


def test_includes_are_relative_to_the_including_file(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "base.txt").write_text("-r more.txt\nbase==1.0\n")
    (tmp_path / "sub" / "more.txt").write_text("more==2.0\n")
    deps = parse(tmp_path, "top==0.1\n-r sub/base.txt\n--requirement=sub/more.txt\n")
    assert [(d.name, d.source, d.line) for d in deps] == [
        ("top", "requirements.txt", 1),
        ("more", "sub/more.txt", 1),
        ("base", "sub/base.txt", 2),
        ("more", "sub/more.txt", 1),
    ]


def test_include_cycle_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("-r b.txt\n")
    (tmp_path / "b.txt").write_text("-r a.txt\n")
    with pytest.raises(ConfigError, match="include cycle"):
        parse(tmp_path, "-r a.txt\n")


def test_constraints_pin_unpinned_requirements_only(tmp_path: Path) -> None:
    (tmp_path / "constraints.txt").write_text("flask==2.0.1\nclick==8.0.0\nnotused==1.0\n")
    deps = parse(tmp_path, "-c constraints.txt\nflask>=2\nclick==7.0\n")
    assert [(d.name, d.version, d.unresolvable) for d in deps] == [
        ("flask", "2.0.1", None),
        ("click", "7.0", None),
    ]


def test_option_lines_are_ignored(tmp_path: Path) -> None:
    deps = parse(
        tmp_path,
        "-i https://pypi.org/simple\n--index-url=https://x\n--extra-index-url https://y\n"
        "-f ./wheels\n--pre\n--trusted-host example.com\n--no-binary :all:\n--prefer-binary\n"
        "--require-hashes\nok==1.0\n",
    )
    assert [d.name for d in deps] == ["ok"]


@pytest.mark.parametrize(
    ("line", "name", "reason"),
    [
        ("flask>=1.0", "flask", "not pinned (>=1.0)"),
        ("flask~=2.0", "flask", "not pinned (~=2.0)"),
        ("flask==2.*", "flask", "not pinned (==2.*)"),
        ("flask", "flask", "not pinned (no version)"),
        ("pkg @ https://example.com/pkg-1.0.tar.gz", "pkg", "URL requirement"),
        ("https://example.com/dl/thing-1.0-py3-none-any.whl", "thing", "URL requirement"),
        ("git+https://github.com/org/repo.git#egg=repo", "repo", "URL requirement"),
        ("./vendor/localpkg", "localpkg", "local path requirement"),
        ("-e ./src/mine", "mine", "editable install (-e)"),
        ("--editable=git+https://x/y.git#egg=yy", "yy", "editable install (-e)"),
    ],
)
def test_unresolvable_requirements_are_kept_with_a_reason(
    tmp_path: Path, line: str, name: str, reason: str
) -> None:
    (dep,) = parse(tmp_path, f"{line}\n")
    assert dep.name == name and dep.version is None
    assert dep.unresolvable is not None and reason in dep.unresolvable


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("ok==1\nfoo==1.0 ===\n", "requirements.txt:2"),
        ("--no-such-option\n", "requirements.txt:1"),
        ("-r missing.txt\n", "requirements.txt:1"),
        ("x==1 --hash=nodigest\n", "requirements.txt:1"),
    ],
)
def test_invalid_lines_name_file_and_line(tmp_path: Path, text: str, where: str) -> None:
    with pytest.raises(ConfigError, match=where):
        parse(tmp_path, text)


def test_load_inputs_dispatch_and_directory(tmp_path: Path) -> None:
    (tmp_path / "requirements-dev.txt").write_text("a==1\n")
    (tmp_path / "notes.txt").write_text("b==2\n")
    (tmp_path / "setup.cfg").write_text("[x]\n")
    assert [d.name for d in load_inputs([tmp_path], tmp_path)] == ["a"]
    assert [d.name for d in load_inputs([tmp_path / "notes.txt"], tmp_path)] == ["b"]
    with pytest.raises(ConfigError, match="supported: requirements"):
        load_inputs([tmp_path / "setup.cfg"], tmp_path)
    with pytest.raises(ConfigError, match="no such file"):
        load_inputs([tmp_path / "nope.txt"], tmp_path)
