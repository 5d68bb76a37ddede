"""Configuration: defaults, overridden from the environment, checked before start-up."""

from __future__ import annotations

import os
import secrets
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url

from webapp.accounts.oidc_rules import ProviderConfigError, parse_providers

LOCALES = ("nb", "uk", "ru", "en")
DEFAULT_LOCALE = "nb"
TIMEZONE = "Europe/Oslo"


class ConfigError(RuntimeError):
    """Raised when the configuration cannot work; the message is one line for the operator."""


def _int_env(environ: dict[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None


def _bool_env(environ: dict[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def load_secret_key(instance_path: Path) -> str:
    """Return the secret key kept in the instance folder, creating it on first run."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        key = key_file.read_text(encoding="utf-8").strip()
        if len(key) >= 32:
            return key
    instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key


def protect_sqlite_file(database_url: str) -> None:
    """Make an SQLite database file readable by its owner only, creating it so (SQLite would
    create it with the process's umask, often world-readable); other databases are left alone."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return
    path = Path(url.database)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)


def normalise_database_url(url: str) -> str:
    """Map the common ``postgres://`` spellings onto the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def engine_options_for(database_url: str) -> dict[str, Any]:
    """Connection settings that suit the database kind."""
    if database_url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    # PostgreSQL's JIT compiler costs more than it saves on our short queries (measured: 400 ms
    # of a 500 ms sweep query), so it is off for the app's connections. No ping before each
    # checkout (a round trip on every request): a connection found dead fails its request with
    # the 503 page, and SQLAlchemy then replaces every pooled connection older than it; idle
    # connections are renewed after half an hour, before firewalls and proxies drop them.
    return {
        "pool_recycle": 1800,
        "pool_size": 5,
        "max_overflow": 10,
        "connect_args": {"options": "-c jit=off"},
    }


def _check_recordings(env: dict[str, str]) -> None:
    """Refuse recording settings that cannot work (checked at start-up, not at first upload)."""
    storage = env.get("RECORDINGS_STORAGE", "local")
    if storage not in ("local", "s3"):
        raise ConfigError(f"RECORDINGS_STORAGE must be local or s3, got {storage!r}")
    if storage == "s3" and not env.get("RECORDINGS_S3_BUCKET"):
        raise ConfigError("RECORDINGS_STORAGE=s3 needs RECORDINGS_S3_BUCKET")
    for name in ("RECORDINGS_MAX_BYTES", "RECORDINGS_MAX_SECONDS", "RECORDINGS_RETENTION_DAYS"):
        if _int_env(env, name, 1) < 1:
            raise ConfigError(f"{name} must be at least 1")


def build_config(instance_path: Path, environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Build the app configuration from defaults and the environment, failing on bad values."""
    env = dict(os.environ if environ is None else environ)
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'norskvei.sqlite3'}"
    database_url = normalise_database_url(database_url)
    scheme = urlsplit(database_url).scheme
    if not (scheme.startswith("sqlite") or scheme.startswith("postgresql")):
        raise ConfigError(
            f"DATABASE_URL must be a sqlite:// or postgresql:// address, got scheme {scheme!r}"
        )

    secret_key = env.get("SECRET_KEY") or load_secret_key(instance_path)
    if len(secret_key) < 16:
        raise ConfigError("SECRET_KEY must be at least 16 characters long")

    mail_port = _int_env(env, "MAIL_PORT", 25)
    if not 0 < mail_port < 65536:
        raise ConfigError(f"MAIL_PORT must be between 1 and 65535, got {mail_port}")

    default_locale = env.get("NORSKVEI_DEFAULT_LOCALE", DEFAULT_LOCALE)
    if default_locale not in LOCALES:
        raise ConfigError(
            f"NORSKVEI_DEFAULT_LOCALE must be one of {', '.join(LOCALES)}, got {default_locale!r}"
        )

    reset_hours = _int_env(env, "NORSKVEI_RESET_TOKEN_HOURS", 2)
    if reset_hours < 1:
        raise ConfigError("NORSKVEI_RESET_TOKEN_HOURS must be at least 1")

    assumed_until = env.get("NORSKVEI_ASSUMED_RULES_UNTIL", "")
    if assumed_until:
        try:
            date.fromisoformat(assumed_until)
        except ValueError:
            raise ConfigError(
                f"NORSKVEI_ASSUMED_RULES_UNTIL must be a date (YYYY-MM-DD), got {assumed_until!r}"
            ) from None

    secure_cookies = _bool_env(env, "NORSKVEI_SECURE_COOKIES", False)
    reminder_lead = _int_env(env, "NORSKVEI_REMINDER_LEAD_MINUTES", 180)
    if not 30 < reminder_lead <= 48 * 60:
        raise ConfigError("NORSKVEI_REMINDER_LEAD_MINUTES must be between 31 and 2880")
    far_days = _int_env(env, "NORSKVEI_FLAG_DEADLINE_FAR_DAYS", 90)
    near_days = _int_env(env, "NORSKVEI_FLAG_DEADLINE_NEAR_DAYS", 30)
    if not 0 < near_days < far_days <= 365:
        raise ConfigError(
            "NORSKVEI_FLAG_DEADLINE_NEAR_DAYS and _FAR_DAYS must satisfy 0 < near < far <= 365"
        )

    _check_recordings(env)
    try:
        oidc_providers = parse_providers(env)
    except ProviderConfigError as error:
        raise ConfigError(str(error)) from None

    return {
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MAIL_SERVER": env.get("MAIL_SERVER", ""),
        "MAIL_PORT": mail_port,
        "MAIL_FROM": env.get("MAIL_FROM", "Norskvei <noreply@norskvei.no>"),
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _bool_env(env, "MAIL_USE_TLS", False),
        "BABEL_DEFAULT_LOCALE": default_locale,
        "BABEL_DEFAULT_TIMEZONE": TIMEZONE,
        "BABEL_TRANSLATION_DIRECTORIES": str(
            Path(__file__).resolve().parent.parent / "translations"
        ),
        "LOCALES": LOCALES,
        "MAX_CONTENT_LENGTH": _int_env(env, "NORSKVEI_MAX_UPLOAD_BYTES", 2 * 1024 * 1024),
        "MAX_FORM_MEMORY_SIZE": 500_000,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "PREFERRED_URL_SCHEME": "https" if secure_cookies else "http",
        "WTF_CSRF_TIME_LIMIT": None,
        "NORSKVEI_BASE_URL": env.get("NORSKVEI_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "NORSKVEI_RESET_TOKEN_HOURS": reset_hours,
        "NORSKVEI_INVITATION_DAYS": _int_env(env, "NORSKVEI_INVITATION_DAYS", 30),
        "NORSKVEI_LOGIN_MAX_FAILURES": _int_env(env, "NORSKVEI_LOGIN_MAX_FAILURES", 5),
        "NORSKVEI_LOGIN_WINDOW_MINUTES": _int_env(env, "NORSKVEI_LOGIN_WINDOW_MINUTES", 15),
        "NORSKVEI_PAGE_SIZE": _int_env(env, "NORSKVEI_PAGE_SIZE", 25),
        # How long before a booked session its reminder goes out (moved past a shift or night).
        "NORSKVEI_REMINDER_LEAD_MINUTES": reminder_lead,
        "NORSKVEI_TRUSTED_PROXIES": _int_env(env, "NORSKVEI_TRUSTED_PROXIES", 0),
        "NORSKVEI_FLAG_DEADLINE_FAR_DAYS": far_days,
        "NORSKVEI_FLAG_DEADLINE_NEAR_DAYS": near_days,
        "RECORDINGS_STORAGE": env.get("RECORDINGS_STORAGE", "local"),
        "RECORDINGS_FOLDER": env.get("RECORDINGS_FOLDER", ""),
        "RECORDINGS_S3_BUCKET": env.get("RECORDINGS_S3_BUCKET", ""),
        "RECORDINGS_S3_PREFIX": env.get("RECORDINGS_S3_PREFIX", ""),
        "RECORDINGS_S3_ENDPOINT": env.get("RECORDINGS_S3_ENDPOINT", ""),
        "RECORDINGS_S3_REGION": env.get("RECORDINGS_S3_REGION", ""),
        "RECORDINGS_S3_ACCESS_KEY": env.get("RECORDINGS_S3_ACCESS_KEY", ""),
        "RECORDINGS_S3_SECRET_KEY": env.get("RECORDINGS_S3_SECRET_KEY", ""),
        "RECORDINGS_MAX_BYTES": _int_env(env, "RECORDINGS_MAX_BYTES", 5 * 1024 * 1024),
        "RECORDINGS_MAX_SECONDS": _int_env(env, "RECORDINGS_MAX_SECONDS", 90),
        "RECORDINGS_RETENTION_DAYS": _int_env(env, "RECORDINGS_RETENTION_DAYS", 365),
        # A prolongation of the temporary rules assumed for a demo, shown as an assumption.
        "NORSKVEI_ASSUMED_RULES_UNTIL": assumed_until,
        # Learners inactive this many months after their right ended are anonymised (0: never).
        "NORSKVEI_RETENTION_MONTHS": _int_env(env, "NORSKVEI_RETENTION_MONTHS", 0),
        # Identity providers offered on the login page (see README, "Signing in with OpenID
        # Connect"); a tuple of webapp.accounts.oidc_rules.OidcProvider.
        "NORSKVEI_OIDC_PROVIDERS": oidc_providers,
    }
