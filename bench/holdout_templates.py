"""The templates of the held-out secrets corpus (see ``secrets_holdout.py``), loaded from
``bench/holdout/``: ``order.txt`` lists the files in the order they are written, and
``templates/PATH.tmpl`` holds the text of ``PATH``; ``PATH = name()`` in ``order.txt`` is a
file made by ``name`` in ``holdout_generated.py``.  The slot kinds are in ``holdout_kinds.py``.

Written without looking at the scanner or at its own corpus: the shapes come from how real
repositories look and how credentials really leak in them.

A template is the text of one file with slots: ``«kind»`` is replaced by a fresh random value
and labels its line (the first line of a multi-line value; continuation lines get the slot
line's indentation).  A kind in ``POSITIVE`` makes a secret, labelled with its rule id (an id of
``scan secrets``); a kind in ``NEGATIVE`` makes a look-alike that is not a secret,
labelled with a category; a kind in ``FILLER`` makes an unlabelled value (host names, users).
``«~category»`` is empty and labels its line as a hard negative of that category (fixed text
such as ``${{ secrets.X }}`` or ``def login(password):``).  ``«?a|b|c»`` picks one of the
alternatives (key names, ``export`` prefixes, trailing comments), so seeds vary style as well
as values.  A line with a positive slot is a positive whatever else is on it.

Labelling decisions (kept consistent across all templates):

* Kubernetes ``Secret`` manifests: a base64 ``data:`` value under a credential key (password,
  token, api key, secret) IS labelled a secret (``generic-password`` / ``generic-secret``):
  base64 is an encoding, anyone who reads the file has the credential.  ``data:`` values under
  non-credential keys (username, host, port) are hard negatives (``k8s-b64-non-credential``).
  SealedSecret / SOPS / ansible-vault ciphertext is a hard negative (``encrypted-value``).
  The same rule covers other base64-wrapped credentials: ``.dockerconfigjson``, docker
  ``config.json`` ``auth``, kubeconfig ``client-key-data`` are secrets; kubeconfig
  ``certificate-authority-data`` (a certificate) is a ``public-key`` negative.
* Local-development defaults that are documented by the image or tool (``postgres:postgres@
  localhost``, ``guest:guest``, ``minioadmin``) are hard negatives (``dev-default-cred``).
* Public client identifiers meant to ship in a frontend (Stripe ``pk_``, Sentry DSN, Mapbox
  ``pk.`` tokens, Google OAuth client ids) are hard negatives (``public-client-id``); Google
  ``AIza`` API keys are labelled secrets (the rule list treats them so).
* Password hashes (bcrypt, PostgreSQL md5) are hard negatives (``password-hash``); identifiers
  that sit next to secrets (Twilio ``AC`` SIDs, GCP ``private_key_id``, OpenAI ``org-`` ids,
  AWS account ids, GPG key ids) are hard negatives (``identifier``).
* Test fixtures with obviously fake values (``"password"``, ``"testpass123"``, ``"sk-test"``)
  are hard negatives (``test-fixture``); a real-looking token pasted into a test is a secret.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from holdout_generated import GENERATED
from holdout_kinds import FILLER, NEGATIVE, POSITIVE
from holdout_values import Rng

__all__ = ["FILLER", "NEGATIVE", "POSITIVE", "TEMPLATES", "load_templates"]

HOLDOUT_DIR = Path(__file__).resolve().parent / "holdout"


def load_templates(directory: Path = HOLDOUT_DIR) -> dict[str, str | Callable[[Rng], str]]:
    """Repository path -> template text (or the function of the Rng that returns it), in the
    order of ``order.txt``; fails if a template file is not listed or a listed one is missing."""
    templates: dict[str, str | Callable[[Rng], str]] = {}
    texts = directory / "templates"
    for line in (directory / "order.txt").read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        path, _, call = line.partition(" = ")
        if call:
            templates[path] = GENERATED[call.removesuffix("()")]
        else:  # bytes, so no newline translation touches the text
            templates[path] = (texts / f"{path}.tmpl").read_bytes().decode("utf-8")
    on_disk = {p.relative_to(texts).as_posix()[: -len(".tmpl")] for p in texts.rglob("*.tmpl")}
    if unlisted := sorted(on_disk - templates.keys()):
        raise RuntimeError(f"holdout templates not listed in order.txt: {unlisted}")
    return templates


TEMPLATES = load_templates()
