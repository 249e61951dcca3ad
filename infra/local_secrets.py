"""The secrets of a local stack (`make run`), kept under `var/` and never on a command line.

Layout (directories 0700, files 0600):

    var/jwt_key                          the session signing key (JWT_KEY wins if exported)
    var/secrets/passwords/nats-<user>    one generated password per bus identity
    var/secrets/passwords/redis-<user>   one per Redis ACL user
    var/secrets/stripe_secret_key        only when STRIPE_SECRET_KEY was exported
    var/secrets/stripe_webhook_secret    signs Stripe's webhooks: STRIPE_WEBHOOK_SECRET if
                                         exported, else generated for the local Stripe
                                         server (none with a real key and no secret)
    var/secrets/<process>/<setting>      what one process may read: hard links to the
                                         files above, named after its settings
                                         (nats_password, redis_password, jwt_key, ...)
    var/nats/nats.conf, var/redis/redis.conf   server configs (users, ACL)

A process is started with `SECRETS_DIR=var/secrets/<process>` and its settings read
the files (backend_services/common/settings.py), so `ps` and `var/Procfile` show
no secret, and a process only sees the secrets it needs (expiration has no JWT key).
Passwords are generated once and kept, so a restart does not invalidate anything;
delete a file to rotate it (docs/security.md).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from infra import access

# Never handed down to a process's environment: each reads its own from SECRETS_DIR.
SECRET_ENV = (
    "JWT_KEY",
    "NATS_PASSWORD",
    "REDIS_PASSWORD",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
)


def without_secrets(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` minus every secret (database URLs may carry a password too)."""
    return {
        k: v for k, v in environ.items() if k not in SECRET_ENV and not k.endswith("_DATABASE_URL")
    }


def write_private(path: Path, text: str) -> Path:
    """Write `text` readable by its owner only (the file is never world-readable, even briefly)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    path.chmod(0o600)  # an older file may have been created with other modes
    return path


def private_dir(path: Path) -> Path:
    """A directory only its owner may enter (mkdir's mode is subject to the umask)."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def kept(path: Path, make: Callable[[], str]) -> str:
    """The secret stored at `path`, created by `make` the first time."""
    if not path.exists():
        write_private(path, make())
    return path.read_text().strip()


class LocalSecrets:
    def __init__(self, var: Path, environ: Mapping[str, str] | None = None) -> None:
        self.var = var
        self.root = var / "secrets"
        self.environ = os.environ if environ is None else environ

    def _password_file(self, kind: str, user: str) -> Path:
        private_dir(self.root)
        path = private_dir(self.root / "passwords") / f"{kind}-{user}"
        kept(path, access.new_password)
        return path

    def nats_passwords(self) -> dict[str, str]:
        return {
            u.name: self._password_file("nats", u.name).read_text().strip()
            for u in access.bus_users()
        }

    def redis_passwords(self) -> dict[str, str]:
        return {
            name: self._password_file("redis", name).read_text().strip()
            for name in access.redis_users()
        }

    def jwt_key_file(self) -> Path:
        path = self.var / "jwt_key"
        key = self.environ.get("JWT_KEY")  # an exported key wins, kept like ours
        if key and (not path.exists() or path.read_text().strip() != key):
            write_private(path, key)
        kept(path, access.new_password)
        return path

    def stripe_key_file(self) -> Path | None:
        key = self.environ.get("STRIPE_SECRET_KEY")
        return write_private(private_dir(self.root) / "stripe_secret_key", key) if key else None

    def webhook_secret_file(self) -> Path | None:
        path = private_dir(self.root) / "stripe_webhook_secret"
        if secret := self.environ.get("STRIPE_WEBHOOK_SECRET"):  # from Stripe's dashboard
            return write_private(path, secret)
        if self.environ.get("STRIPE_SECRET_KEY"):
            return None  # real Stripe and no secret: webhooks are refused (400)
        kept(path, lambda: "whsec_" + access.new_password())  # the local server signs with it
        return path

    def server_configs(
        self, nats_port: int, monitor_port: int, redis_port: int
    ) -> tuple[Path, Path]:
        """var/nats/nats.conf (users, permissions) and var/redis/redis.conf (ACL), 0600."""
        data = self.var / "data"
        (data / "redis").mkdir(parents=True, exist_ok=True)
        nats_conf = access.render_nats_config(
            nats_port, data / "nats", self.nats_passwords(), monitor_port=monitor_port
        )
        redis_conf = access.render_redis_config(redis_port, data / "redis", self.redis_passwords())
        return (
            write_private(self.var / "nats" / "nats.conf", nats_conf),
            write_private(self.var / "redis" / "redis.conf", redis_conf),
        )

    def process_dir(
        self,
        process: str,
        *,
        nats_user: str | None = None,
        redis_user: str | None = None,
        jwt: bool = False,
        stripe: bool = False,
        files: Mapping[str, str] | None = None,
    ) -> Path:
        """`var/secrets/<process>`: exactly the secrets that process reads (`files`:
        more settings by name, e.g. a `database_url` holding a password)."""
        links: dict[str, Path] = {}
        if nats_user:
            links["nats_password"] = self._password_file("nats", nats_user)
        if redis_user:
            links["redis_password"] = self._password_file("redis", redis_user)
        if jwt:
            links["jwt_key"] = self.jwt_key_file()
        if stripe and (stripe_key := self.stripe_key_file()) is not None:
            links["stripe_secret_key"] = stripe_key
        if stripe and (webhook_secret := self.webhook_secret_file()) is not None:
            links["stripe_webhook_secret"] = webhook_secret
        folder = self.root / process
        private_dir(self.root)
        for name, value in (files or {}).items():
            private_dir(self.root / "files")
            links[name] = write_private(private_dir(self.root / "files" / process) / name, value)
        private_dir(folder)
        for stale in folder.iterdir():  # what it no longer needs, it no longer sees
            if stale.name not in links:
                stale.unlink()
        for name, target in links.items():
            # Hard links, not symlinks: the settings' secrets reader refuses a file that
            # resolves outside its directory; a hard link is the same file, one fact.
            link = folder / name
            if link.is_symlink() or link.exists():
                link.unlink()
            os.link(target, link)
        return folder
