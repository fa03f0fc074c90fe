# ruff: noqa
# Samples for rules/logging.yaml.
import logging

import structlog

logger = logging.getLogger("warehouse")
audit_log = structlog.get_logger()


class Courier:
    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.log = logging.getLogger(__name__)

    def connect(self) -> None:
        # ruleid: sr-secret-in-log
        self.log.debug("connecting with key %s", self.api_key)
        # ok: sr-secret-in-log
        self.log.debug("connecting with a key of %d characters", len(self.api_key))


def sign_in(form: dict[str, str], user: str, password: str, config: object) -> None:
    # level: WARNING
    # ruleid: sr-secret-in-log
    logger.info("sign-in attempt %s/%s", user, password)
    # ruleid: sr-secret-in-log
    logging.warning(f"bad credentials for {user}: {form['password']}")
    # ruleid: sr-secret-in-log
    audit_log.info("login", secret=config.client_secret)
    # ruleid: sr-secret-in-log
    logger.error("refresh failed: " + form.get("refresh_token"))
    # ok: sr-secret-in-log
    logger.info("sign-in attempt for %s (password given: %s)", user, password is not None)
    # ok: sr-secret-in-log
    logger.info("sign-in attempt for %s, password %s", user, mask(password))
    # ok: sr-secret-in-log
    logger.debug("token prefix %s...", form["access_token"][:4])
    # ok: sr-secret-in-log
    logger.info("stored password_hash %s for %s", form["password_hash"], user)
    # level: none
    # ok: sr-secret-in-log
    logger.info("password changed for %s", user)


def invite(email: str, one_time: str, header: str) -> None:
    # The message says the value is a password, whatever the variable is called.
    # ruleid: sr-secret-in-log
    logger.info("invited %s with one-time password %s", email, one_time)
    # ruleid: sr-secret-in-log
    logger.debug("upstream call, Authorization: Bearer %s", header)
    # ok: sr-secret-in-log
    logger.info("password reset link sent to %s", email)
    try:
        header.encode("ascii")
    except UnicodeError as exc:
        # ok: sr-secret-in-log
        logger.warning("malformed refresh token: %s", exc)
    # ok: sr-secret-in-log
    logger.info("one-time password of %d digits sent to %s", len(one_time), email)
    # ok: sr-secret-in-log
    logger.info("max_tokens=%d next_token=%s", form_limits(), next_page())


def form_limits() -> int:
    return 1


def next_page() -> str:
    next_token = "abc"
    # ok: sr-secret-in-log
    logger.info("paging on with %s", next_token)
    return next_token


def mask(value: str) -> str:
    return value[:2] + "***"


def show(generated_password: str, name: str) -> None:
    # ruleid: sr-secret-printed
    print(f"your new password: {generated_password}")
    # ok: sr-secret-printed
    print(f"hello {name}")
