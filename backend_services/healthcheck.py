"""`python -m backend_services.healthcheck`: the image's HEALTHCHECK for the service `SERVICE`.

Exit status 0 when the service's `/healthz` (under its prefix, from the topology
table) answers on `PORT`; so the Dockerfile names no service and no path.
"""

from __future__ import annotations

import os
import sys
import urllib.request

from contracts.topology import by_name


def main() -> int:
    service = by_name(os.environ["SERVICE"])
    port = os.environ.get("PORT", str(service.port))
    url = f"http://127.0.0.1:{port}{service.health_prefix}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return 0 if response.status == 200 else 1
    except OSError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
