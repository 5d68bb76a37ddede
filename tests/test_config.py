"""Configuration comes from the environment; bad values stop start-up with one line."""

from __future__ import annotations

import os
import stat

import pytest

from webapp import create_app
from webapp.config import (
    ConfigError,
    build_config,
    load_secret_key,
    normalise_database_url,
    protect_sqlite_file,
)


def test_defaults_use_sqlite_in_the_instance_folder_and_keep_a_generated_key(tmp_path):
    config = build_config(tmp_path, {})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'norskvei.sqlite3'}"
    key = config["SECRET_KEY"]
    assert len(key) >= 32
    assert (tmp_path / "secret_key").read_text().strip() == key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert build_config(tmp_path, {})["SECRET_KEY"] == key  # kept, not regenerated


def test_environment_overrides(tmp_path):
    config = build_config(
        tmp_path,
        {
            "DATABASE_URL": "postgres://u@db/norskvei",
            "SECRET_KEY": "s" * 40,
            "MAIL_SERVER": "smtp.example.org",
            "MAIL_PORT": "587",
            "MAIL_FROM": "Norskvei <post@example.org>",
            "NORSKVEI_DEFAULT_LOCALE": "uk",
        },
    )
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/norskvei"
    assert config["SECRET_KEY"] == "s" * 40
    assert config["MAIL_PORT"] == 587
    assert config["BABEL_DEFAULT_LOCALE"] == "uk"
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"MAIL_PORT": "smtp"}, "MAIL_PORT"),
        ({"MAIL_PORT": "70000"}, "MAIL_PORT"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"NORSKVEI_DEFAULT_LOCALE": "de"}, "NORSKVEI_DEFAULT_LOCALE"),
        ({"NORSKVEI_SECURE_COOKIES": "maybe"}, "NORSKVEI_SECURE_COOKIES"),
    ],
)
def test_invalid_values_are_refused_with_one_line(tmp_path, environ, message):
    with pytest.raises(ConfigError) as error:
        build_config(tmp_path, environ)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_create_app_stops_with_a_one_line_reason(monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", "oracle://nope")
    with pytest.raises(SystemExit) as stopped:
        create_app()
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "DATABASE_URL" in err


def test_postgres_spellings_map_to_psycopg():
    assert normalise_database_url("postgresql://a/b") == "postgresql+psycopg://a/b"
    assert normalise_database_url("sqlite:///x") == "sqlite:///x"


def test_secure_cookies_when_asked(tmp_path):
    config = build_config(tmp_path, {"SECRET_KEY": "k" * 32, "NORSKVEI_SECURE_COOKIES": "true"})
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_the_sqlite_file_and_the_secret_key_are_for_the_owner_only(tmp_path):
    instance = tmp_path / "instance"
    database = instance / "norskvei.sqlite3"
    old_umask = os.umask(0o022)  # a common default: new files world-readable
    try:
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": "k" * 40})
        key = load_secret_key(instance)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert stat.S_IMODE((instance / "secret_key").stat().st_mode) == 0o600
    assert len(key) >= 32


def test_an_existing_world_readable_sqlite_file_is_closed(tmp_path):
    database = tmp_path / "old.sqlite3"
    database.write_bytes(b"")
    database.chmod(0o644)
    protect_sqlite_file(f"sqlite:///{database}")
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    protect_sqlite_file("postgresql+psycopg://postgres@127.0.0.1/x")  # nothing to do
    protect_sqlite_file("sqlite://")  # in memory: nothing to do
