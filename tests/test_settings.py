"""Settings come from the environment and fail loudly on nonsense."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_json_object, env_list

ROOT = Path(__file__).resolve().parent.parent


def test_env_readers_parse_and_refuse(monkeypatch):
    monkeypatch.setenv("X_BOOL", "yes")
    monkeypatch.setenv("X_INT", "42")
    monkeypatch.setenv("X_LIST", "a, b,,c")
    assert (
        env_bool("X_BOOL") is True
        and env_int("X_INT", 0) == 42
        and env_list("X_LIST", []) == ["a", "b", "c"]
    )
    monkeypatch.setenv("X_BOOL", "maybe")
    monkeypatch.setenv("X_INT", "forty")
    with pytest.raises(ImproperlyConfigured, match="X_BOOL"):
        env_bool("X_BOOL")
    with pytest.raises(ImproperlyConfigured, match="X_INT"):
        env_int("X_INT", 0)
    monkeypatch.setenv("X_JSON", '{"bucket_name": "files"}')
    assert env_json_object("X_JSON") == {"bucket_name": "files"}
    for bad, words in (("{bucket", "not valid JSON"), ('["a"]', "must be a JSON object")):
        monkeypatch.setenv("X_JSON", bad)
        with pytest.raises(ImproperlyConfigured, match=words):
            env_json_object("X_JSON")


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # The parent's test settings and browser tests set some of these; a deployment would not.
    inherited = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "SECURE_HTTPS"}
    inherited.add("DJANGO_ALLOW_ASYNC_UNSAFE")
    clean = {k: v for k, v in os.environ.items() if k not in inherited}
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_requires_a_secret_key(tmp_path):
    result = manage("check", DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
        SECRET_KEY="x7Gk2-production-like-secret-key-with-enough-entropy-9QpLm4Vz8Rw",
        DEBUG="0",
        ALLOWED_HOSTS="portal.example.com",
        VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_embedded_default_generates_and_keeps_a_secret_key(tmp_path):
    assert manage("check", VAR_DIR=str(tmp_path)).returncode == 0
    key = (tmp_path / "secret_key").read_text()
    assert len(key) >= 50
    assert manage("check", VAR_DIR=str(tmp_path)).returncode == 0
    assert (tmp_path / "secret_key").read_text() == key


def test_uploads_go_to_an_s3_compatible_store_by_configuration(tmp_path):
    """Offer files, logos and evidence are written through Django's storage API: an S3-compatible
    store is a setting, no code change (django-storages, the `s3` extra)."""
    result = manage(
        "shell",
        "-c",
        "from django.core.files.storage import storages; s = storages['default']; "
        "print(type(s).__name__, s.bucket_name, s.endpoint_url)",
        VAR_DIR=str(tmp_path),
        FILE_STORAGE_BACKEND="storages.backends.s3.S3Storage",
        FILE_STORAGE_OPTIONS='{"bucket_name": "channel-files", "endpoint_url": "https://s3.example"}',
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [
        "S3Storage",
        "channel-files",
        "https://s3.example",
    ]
