"""The local stack's secrets under var/: private, generated once, one directory per process."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from backend_services.common.settings import ServiceSettings
from backend_services.expiration.settings import ExpirationSettings
from backend_services.payments.settings import PaymentsSettings
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


def test_the_webhook_secret_is_shared_by_payments_and_the_local_stripe_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = LocalSecrets(tmp_path, environ={})
    payments = secrets.process_dir("payments", nats_user="payments", jwt=True, stripe=True)
    stripe = secrets.process_dir("stripe", stripe=True)
    assert {p.name for p in payments.iterdir()} == {
        "nats_password",
        "jwt_key",
        "stripe_webhook_secret",
    }
    assert {p.name for p in stripe.iterdir()} == {"stripe_webhook_secret"}
    secret = (payments / "stripe_webhook_secret").read_text()
    assert secret.startswith("whsec_") and len(secret) >= 32
    assert (stripe / "stripe_webhook_secret").read_text() == secret
    assert mode(payments / "stripe_webhook_secret") == 0o600
    # Kept across starts, and read by payments' settings from its SECRETS_DIR.
    again = LocalSecrets(tmp_path, environ={}).process_dir("payments", jwt=True, stripe=True)
    assert (again / "stripe_webhook_secret").read_text() == secret
    monkeypatch.setenv("SECRETS_DIR", str(again))
    assert PaymentsSettings(environment="production").stripe_webhook_secret == secret


def test_an_exported_webhook_secret_wins_and_real_stripe_gets_none_unless_exported(
    tmp_path: Path,
) -> None:
    exported = LocalSecrets(tmp_path / "a", environ={"STRIPE_WEBHOOK_SECRET": "whsec_" + "x" * 32})
    folder = exported.process_dir("payments", stripe=True)
    assert (folder / "stripe_webhook_secret").read_text() == "whsec_" + "x" * 32
    real = LocalSecrets(tmp_path / "b", environ={"STRIPE_SECRET_KEY": "sk_test_" + "y" * 24})
    folder = real.process_dir("payments", stripe=True)
    assert {p.name for p in folder.iterdir()} == {"stripe_secret_key"}
