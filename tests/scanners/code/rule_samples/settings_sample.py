# ruff: noqa
# Samples for rules/config.yaml: a settings module.
import os
import ssl

from starlette.middleware.trustedhost import TrustedHostMiddleware

# ruleid: sr-debug-server
DEBUG = True
# ok: sr-debug-server
TEMPLATE_DEBUG = os.environ.get("TEMPLATE_DEBUG") == "1"

# ruleid: sr-settings-allowed-hosts-any
ALLOWED_HOSTS = ["inventory.example.org", "*"]
# ok: sr-settings-allowed-hosts-any
CSRF_TRUSTED_ORIGINS = ["*"]

# level: WARNING
# ruleid: sr-settings-bind-all
LISTEN_HOST = "0.0.0.0"
# ruleid: sr-settings-bind-all
GRPC_BIND_ADDRESS = "[::]:50051"
# ok: sr-settings-bind-all
ADMIN_HOST = "127.0.0.1"
# ok: sr-settings-bind-all
PUBLIC_HOST = os.environ.get("PUBLIC_HOST", "inventory.example.org")
# level: INFO
# ok: sr-settings-bind-all
WILDCARD_NOTE = "0.0.0.0"

# ruleid: sr-settings-tls-verify-off
SUPPLIER_API_VERIFY_SSL = False
# ruleid: sr-settings-tls-verify-off
ELASTICSEARCH_VERIFY_CERTS = False
# ruleid: sr-settings-tls-verify-off
LDAP_TLS_REQUIRE_CERT = ssl.CERT_NONE
# ok: sr-settings-tls-verify-off
ACCOUNT_EMAIL_VERIFICATION = False
# ok: sr-settings-tls-verify-off
REQUIRE_EMAIL_VERIFY = False
# ok: sr-settings-tls-verify-off
SUPPLIER_API_VERIFY_SSL_STRICT = True
SEARCH = {
    "hosts": ["https://search.example.org"],
    # ruleid: sr-settings-tls-verify-off
    "verify_certs": False,
    # ok: sr-settings-tls-verify-off
    "sniff_on_start": False,
}
SERVER = {
    # ok: sr-settings-bind-all
    "public_name": "*",
    # ruleid: sr-settings-bind-all
    "bind_address": "0.0.0.0",
}
FLASK_DEFAULTS = {
    # ok: sr-insecure-cookie
    "SESSION_COOKIE_HTTPONLY": True,
    # ruleid: sr-insecure-cookie
    "SESSION_COOKIE_SECURE": False,
}


def client_options(skip_verify: bool) -> dict[str, object]:
    verify = True
    if skip_verify:
        # A local variable in a function is not a setting.
        # ok: sr-settings-tls-verify-off
        verify = False
    return {"verify": verify}


# ruleid: sr-insecure-cookie
SESSION_COOKIE_SECURE = False
# ok: sr-insecure-cookie
CSRF_COOKIE_SECURE = os.environ.get("DEPLOYMENT") != "dev"
# ok: sr-insecure-cookie
CSRF_COOKIE_HTTPONLY = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {
            # ruleid: sr-django-autoescape-off
            "autoescape": False,
            # ok: sr-django-autoescape-off
            "debug": False,
        },
    },
]

PASSWORD_HASHERS = [
    # ruleid: sr-django-weak-password-hasher
    "django.contrib.auth.hashers.SHA1PasswordHasher",
    # ok: sr-django-weak-password-hasher
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]


class ProductionConfig:
    # ruleid: sr-insecure-cookie
    SESSION_COOKIE_HTTPONLY = False
    # ok: sr-insecure-cookie
    SESSION_COOKIE_SECURE = True
    # ruleid: sr-settings-bind-all
    SERVER_HOST = "0.0.0.0"


def middleware(app):
    # ruleid: sr-settings-allowed-hosts-any
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=["*"])
    # ok: sr-settings-allowed-hosts-any
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=["inventory.example.org"])


def cookies(response, sid):
    # ruleid: sr-insecure-cookie
    response.set_cookie("sid", sid, secure=False)
    # ok: sr-insecure-cookie
    response.set_cookie("sid", sid, secure=True, httponly=True)
