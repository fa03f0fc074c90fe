"""The decoding pass of the engine (``decoding.py`` says what is decoded and when): scan what
a base64 blob or a URL-encoded token decodes to, and report it at the wrapped value's place."""

from __future__ import annotations

from scriptrunner.findings.model import Confidence
from scriptrunner.scanners.secrets import decoding
from scriptrunner.scanners.secrets.literals import NearMisses
from scriptrunner.scanners.secrets.matches import Candidate
from scriptrunner.scanners.secrets.rules.values import grade_password


class DecodingPass:
    """Mixed into the engine, which provides :meth:`candidates`, :meth:`_add` and
    ``near_miss``."""

    near_miss: NearMisses

    def candidates(self, text: str, path: str, depth: int = 0) -> list[Candidate]:
        raise NotImplementedError

    def _add(
        self,
        out: list[Candidate],
        start: int,
        end: int,
        verdict: tuple[str, Confidence],
        value: str,
        encoding: str | None = None,
    ) -> None:
        raise NotImplementedError

    def _blobs(
        self, text: str, path: str, positions: list[int], out: list[Candidate], depth: int
    ) -> None:
        """Base64 runs that start where the base64 form of a known prefix was found."""
        done = -1
        for pos in sorted(positions):
            if pos < done or (span := decoding.blob_at(text, pos)) is None:
                continue
            done = span[1]
            decoded = decoding.b64_text(text[span[0] : span[1]])
            if decoded is not None:
                self._unwrap(decoded, span[0], span[1], "base64", path, out, depth)

    def _percent(
        self, text: str, path: str, positions: list[int], out: list[Candidate], depth: int
    ) -> None:
        """URL-encoded tokens: decoded, scanned, and findings mapped back to their escapes."""
        done = -1
        for pos in sorted(positions):
            if pos < done:
                continue
            a, b = decoding.token_around(text, pos)
            done = b
            url = decoding.url_decoded(text[a:b])
            if url is None:
                continue
            plain, where = url
            for c in self.candidates(plain, path, depth + 1):
                c.start, c.end, c.at = a + where[c.start], a + where[c.end], a + where[c.at]
                c.encoding = c.encoding or "url"
                out.append(c)

    def _unwrap(
        self,
        decoded: str,
        start: int,
        end: int,
        encoding: str,
        path: str,
        out: list[Candidate],
        depth: int,
    ) -> None:
        """What the decoded text of ``text[start:end]`` holds, reported at ``start:end``."""
        found = self.candidates(decoded, path, depth + 1)
        password = decoding.user_password(decoded) if not found else None
        if password is not None and not self.near_miss(password):
            confidence = grade_password(password)
            if confidence is not None and confidence != "LOW":
                self._add(out, start, end, ("generic-password", confidence), decoded, encoding)
        for c in found:
            c.start, c.end, c.at = start, end, start
            c.encoding = encoding if c.encoding is None else f"{encoding}+{c.encoding}"
            c.priority -= 1  # below a rule that reads the wrapped value itself
            out.append(c)


__all__ = ["DecodingPass"]
