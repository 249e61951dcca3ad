"""The local stack's secrets under var/: private, generated once, one directory per process."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from backend_services.common.settings import ServiceSettings
from backend_services.expiration.settings import ExpirationSettings
from infra.local_secrets import LocalSecrets


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_each_process_gets_only_its_secrets_privately(tmp_path: Path) -> None:
    secrets = LocalSecrets(tmp_path, environ={})
    api = secrets.process_dir("orders", nats_user="orders", jwt=True)
    worker = secrets.process_dir("expiration", nats_user="expiration", redis_user="expiration")
    assert {p.name for p in api.iterdir()} == {"nats_password", "jwt_key"}
    assert {p.name for p in worker.iterdir()} == {"nats_password", "redis_password"}
    for folder in (secrets.root, secrets.root / "passwords", api, worker):
        assert mode(folder) == 0o700, folder
    for file in [*api.iterdir(), *worker.iterdir(), tmp_path / "jwt_key"]:
        assert mode(file) == 0o600, file
    assert (api / "nats_password").read_text() != (worker / "nats_password").read_text()


def test_passwords_are_kept_across_starts_and_read_by_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = LocalSecrets(tmp_path, environ={}).process_dir("orders", nats_user="orders", jwt=True)
    password = (first / "nats_password").read_text()
    again = LocalSecrets(tmp_path, environ={}).process_dir("orders", nats_user="orders", jwt=True)
    assert (again / "nats_password").read_text() == password
    monkeypatch.setenv("SECRETS_DIR", str(again))
    settings = ServiceSettings(environment="production", service_name="orders")
    assert settings.nats_credentials()["password"] == password
    assert settings.nats_credentials()["inbox_prefix"] == "_INBOX.orders"
    assert settings.jwt_key == (tmp_path / "jwt_key").read_text()


def test_an_exported_key_wins_and_expiration_has_none(tmp_path: Path) -> None:
    secrets = LocalSecrets(tmp_path, environ={"JWT_KEY": "k" * 48})
    folder = secrets.process_dir("orders", jwt=True)
    assert (folder / "jwt_key").read_text() == "k" * 48
    assert "jwt_key" not in ExpirationSettings.model_fields


def test_a_process_that_no_longer_needs_a_secret_no_longer_sees_it(tmp_path: Path) -> None:
    secrets = LocalSecrets(tmp_path, environ={})
    secrets.process_dir("payments", nats_user="payments", jwt=True)
    folder = secrets.process_dir("payments", nats_user="payments")
    assert not (folder / "jwt_key").exists()
