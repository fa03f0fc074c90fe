"""The one name -> implementation registry helper."""

from __future__ import annotations

import pytest

from scriptrunner.errors import ConfigError
from scriptrunner.registry import Registry, unknown_name


def test_unknown_name_suggests_the_close_one_and_lists_all() -> None:
    reg: Registry[object] = Registry("scanner", {"code": 1, "deps": 2, "secrets": 3})
    with pytest.raises(ConfigError) as info:
        reg.get("cdoe")
    assert (
        str(info.value)
        == "unknown scanner 'cdoe' (did you mean 'code'? valid: code, deps, secrets)"
    )


def test_unknown_name_without_a_close_match_only_lists() -> None:
    assert (
        str(unknown_name("gate", "zzz", ["code", "deps"]))
        == "unknown gate 'zzz' (valid: code, deps)"
    )


def test_lazy_target_is_imported_on_first_use_and_kept() -> None:
    reg: Registry[object] = Registry("thing", {"dumps": "json:dumps"})
    import json

    assert reg.get("dumps") is json.dumps
    assert reg.get("dumps") is json.dumps
    assert "dumps" in reg and list(reg) == ["dumps"] and reg.names() == ("dumps",)
    reg.register("loads", json.loads)
    assert reg.get("loads") is json.loads
