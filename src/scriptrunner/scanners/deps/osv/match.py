"""Does an OSV ``affected`` entry include a version?  The schema's evaluation, exactly.

From the OSV schema ("Evaluation")::

    IsVulnerable: v in affected.versions, or IncludedInRanges(v, affected.ranges)
    IncludedInRanges: for each range with BeforeLimits(v, range):
        vulnerable = False
        for evt in sorted(range.events):
            introduced and v >= introduced      -> vulnerable = True
            else fixed and v >= fixed           -> vulnerable = False
            else last_affected and v > last_aff -> vulnerable = False
    BeforeLimits: no limit events, or v < some limit ("*" is infinity)

Choices the schema leaves open, made explicit here:

* Versions compare as PEP 440 (``packaging.version.Version``) for ``ECOSYSTEM`` and
  ``SEMVER`` ranges (PyPI versions are PEP 440, whatever the record calls the range).
* ``introduced: "0"`` sorts before every version.  Events at the *same* version sort
  introduced < last_affected < fixed < limit, so ``introduced: X, fixed: X`` is empty.
* ``GIT`` ranges hold commit hashes: they are ignored for matching (the record's explicit
  ``versions`` list, which OSV fills from the git history, covers them).
* An invalid version inside a record skips that event (a warning names it); an invalid
  installed version is only compared with the ``versions`` list, by string equality.
"""

from __future__ import annotations

from functools import lru_cache

from packaging.version import InvalidVersion, Version

from scriptrunner.scanners.deps.model import Affected, AffectedRange, RangeEvent

_ORDER = {"introduced": 0, "last_affected": 1, "fixed": 2, "limit": 3}
#: Sorts before every PEP 440 version (``introduced: "0"``).
_ZERO = Version("0.dev0")
#: Range types whose events are package versions.
VERSION_RANGES = frozenset({"ECOSYSTEM", "SEMVER"})


@lru_cache(maxsize=65536)
def parse_version(text: str) -> Version | None:
    """A PEP 440 version, or None when ``text`` is not one."""
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _event_version(event: RangeEvent) -> Version | None:
    if event.kind == "introduced" and event.version == "0":
        return _ZERO
    return parse_version(event.version)


def sorted_events(
    rng: AffectedRange, warnings: list[str] | None = None, where: str = ""
) -> list[tuple[Version, RangeEvent]]:
    """The range's events with parsable versions, sorted; ``limit: "*"`` is left out."""
    out = []
    for event in rng.events:
        if event.kind == "limit" and "*" in event.version:
            continue
        version = _event_version(event)
        if version is None:
            if warnings is not None:
                warnings.append(
                    f"{where or 'advisory'}: invalid version {event.version!r} in "
                    f"{event.kind} event; event skipped"
                )
            continue
        out.append((version, event))
    out.sort(key=lambda item: (item[0], _ORDER[item[1].kind]))
    return out


def _before_limits(
    version: Version, rng: AffectedRange, events: list[tuple[Version, RangeEvent]]
) -> bool:
    """``BeforeLimits``; a ``*`` limit is infinity, and unparsable limits are ignored."""
    limits = [e for e in rng.events if e.kind == "limit"]
    if not limits or any("*" in e.version for e in limits):
        return True
    valid = [boundary for boundary, e in events if e.kind == "limit"]
    if not valid:
        return True  # every limit was invalid (and warned about): no usable upper bound
    return any(version < boundary for boundary in valid)


def in_range(
    rng: AffectedRange, version: Version, warnings: list[str] | None = None, where: str = ""
) -> bool:
    """``IncludedInRanges`` for one ECOSYSTEM/SEMVER range."""
    events = sorted_events(rng, warnings, where)
    if not _before_limits(version, rng, events):
        return False
    vulnerable = False
    for boundary, event in events:
        if event.kind == "introduced":
            if version >= boundary:
                vulnerable = True
        elif event.kind == "fixed":
            if version >= boundary:
                vulnerable = False
        elif event.kind == "last_affected" and version > boundary:
            vulnerable = False
    return vulnerable


def in_versions(affected: Affected, version: str) -> bool:
    """``version`` is in the explicit list (PEP 440 equality; string equality if invalid)."""
    if version in affected.versions:
        return True
    parsed = parse_version(version)
    if parsed is None:
        return False
    return any(parse_version(v) == parsed for v in affected.versions)


def affects(affected: Affected, version: str, warnings: list[str] | None = None) -> bool:
    """True when ``version`` of ``affected.package`` is vulnerable per OSV semantics.

    Never raises on odd input: invalid versions are handled as the module docstring says;
    ``warnings`` (if given) collects one message per skipped event.
    """
    if in_versions(affected, version):
        return True
    parsed = parse_version(version)
    if parsed is None:
        return False
    return any(
        in_range(rng, parsed, warnings, affected.package)
        for rng in affected.ranges
        if rng.type in VERSION_RANGES
    )
