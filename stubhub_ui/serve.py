"""The UI image's process: serve the frontend compiled at image build; build nothing.

`reflex run --env prod` compiles the app and rebuilds the frontend at every start (it
bakes REFLEX_API_URL into the bundle), which needs bun and a writable `.web/`. The
image instead compiles once, `reflex export --frontend-only` at build time with
REFLEX_API_URL as a build argument (infra/docker/ui.Dockerfile), and this module
starts Reflex's own production server (granian, GRANIAN_WORKERS) with that build
mounted and the compile step skipped, so the root filesystem can be read-only.

    python -m stubhub_ui.serve      # HOST (0.0.0.0) and PORT (3000) from the environment
"""

from __future__ import annotations

import os

from reflex.utils import exec as reflex_exec
from reflex_base import constants
from reflex_base.config import get_config
from reflex_base.environment import environment


def main() -> None:
    environment.REFLEX_ENV_MODE.set(constants.Env.PROD)
    environment.REFLEX_SKIP_COMPILE.set(True)  # the image's build stage compiled it
    host, port = os.environ.get("HOST", "0.0.0.0"), int(os.environ.get("PORT", "3000"))
    level = get_config().loglevel.subprocess_level()
    reflex_exec.run_backend_prod(host, port, level, mount_frontend_compiled_app=True)


if __name__ == "__main__":
    main()
