"""The local Stripe test server (localstripe) with the payments webhook registered.

`make run` starts this instead of bare localstripe: it runs localstripe as a child,
waits for it to answer, registers `--webhook-url` with the secret in
`$SECRETS_DIR/stripe_webhook_secret` (infra/local_secrets.py; localstripe keeps
webhooks in memory, so every start registers again), then stays in the foreground
until localstripe exits or it is told to stop. Extra arguments go to localstripe.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOCALSTRIPE = REPO / ".venv-stripe/bin/localstripe"
WEBHOOK_ID = "payments"


def wait_until_up(base: str, child: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while child.poll() is None:
        try:
            with urllib.request.urlopen(f"{base}/js.stripe.com/v3/", timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                message = f"localstripe did not answer on {base} within {timeout:.0f}s"
                raise SystemExit(message) from None
            time.sleep(0.1)
    raise SystemExit(f"localstripe exited with {child.returncode}")


def register(base: str, url: str, secret: str) -> None:
    data = urllib.parse.urlencode({"url": url, "secret": secret}).encode()
    request = urllib.request.Request(f"{base}/_config/webhooks/{WEBHOOK_ID}", data=data)
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200, response.status
    print(f"webhook {WEBHOOK_ID} -> {url}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--webhook-url", required=True)
    args, extra = parser.parse_known_args()
    secrets_dir = os.environ.get("SECRETS_DIR")
    secret_file = Path(secrets_dir) / "stripe_webhook_secret" if secrets_dir else None
    if secret_file is None or not secret_file.is_file():
        raise SystemExit("SECRETS_DIR holds no stripe_webhook_secret")
    secret = secret_file.read_text().strip()
    child = subprocess.Popen([str(LOCALSTRIPE), "--port", str(args.port), *extra])
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda s, _: child.send_signal(s))
    base = f"http://127.0.0.1:{args.port}"
    try:
        wait_until_up(base, child)
        register(base, args.webhook_url, secret)
    except BaseException:
        child.kill()
        raise
    return child.wait()


if __name__ == "__main__":
    sys.exit(main())
