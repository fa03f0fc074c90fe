"""Django settings for the staff admin site (labtrack.admin_views).

Loaded with DJANGO_SETTINGS_MODULE=labtrack.django_settings by the admin
gunicorn unit; it shares the PostgreSQL database with the service processes.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent

SECRET_KEY = "django-insecure-q8v2m!lt$3x9w@r7k1p0z5c&n4e6t^h2j"

DEBUG = True

ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "labtrack",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "labtrack.admin_urls"
WSGI_APPLICATION = "labtrack.admin_wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates" / "staff"],
        "APP_DIRS": True,
        "OPTIONS": {
            "autoescape": False,
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("LABTRACK_DB_NAME", "labtrack"),
        "USER": os.environ.get("LABTRACK_DB_USER", "labtrack"),
        "PASSWORD": os.environ.get("LABTRACK_DB_PASSWORD", ""),
        "HOST": os.environ.get("LABTRACK_DB_HOST", "db.internal"),
        "PORT": "5432",
        "CONN_MAX_AGE": 60,
    }
}

# The first hasher is used for new passwords; the others verify older hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.UnsaltedMD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

SESSION_COOKIE_SECURE = True
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 31536000

EMAIL_HOST = os.environ.get("LABTRACK_SMTP_HOST", "smtp.labtrack.example")
EMAIL_PORT = 587
EMAIL_USE_TLS = True
EMAIL_HOST_USER = os.environ.get("LABTRACK_SMTP_USER", "reports@labtrack.example")
EMAIL_HOST_PASSWORD = os.environ.get("LABTRACK_SMTP_PASSWORD", "")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_TZ = True
STATIC_URL = "/staff/static/"
STATIC_ROOT = "/var/lib/labtrack/static"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"labtrack": {"handlers": ["console"], "level": "INFO"}},
}
