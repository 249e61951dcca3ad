# syntax=docker/dockerfile:1.7
#
# The Reflex UI (`stubhub_ui`): pages, assets and the /_event websocket on one
# port (3000), served by `reflex run --env prod`.
#
#   docker build -f infra/docker/ui.Dockerfile -t ticketing/ui .
#
# The frontend is compiled and its JS dependencies installed (bun, from the
# committed reflex.lock/) at image build time. `reflex run --env prod` re-runs
# the vite build at every start (it bakes REFLEX_API_URL into the bundle), so
# the runtime image keeps bun and .web/node_modules; that start-up build is
# offline and takes seconds. It writes .web/, so this container cannot have a
# read-only root filesystem.

# Pin both by digest in production builds (see services.Dockerfile and docs/deploy.md).
ARG PYTHON_IMAGE=python:3.11-slim
# Reflex 0.10.1 pins bun 1.4.4 (its lockfile format). Outside Docker the same
# binary comes from the npm package `bun@1.4.4`.
ARG BUN_IMAGE=oven/bun:1.4.4-slim

FROM ${BUN_IMAGE} AS bun

# ---------------------------------------------------------------- dependencies
FROM ${PYTHON_IMAGE} AS deps
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Only the hashed lock (requirements/ui.txt, `make lock`); the project is not installed.
COPY requirements/ui.txt ./requirements/
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --require-hashes --no-deps -r requirements/ui.txt

# ------------------------------------------------------------ frontend build
FROM ${PYTHON_IMAGE} AS build
COPY --from=bun /usr/local/bin/bun /usr/local/bin/bun
COPY --from=deps /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    REFLEX_DIR=/app/.reflex \
    REFLEX_USE_SYSTEM_BUN=1 \
    REFLEX_TELEMETRY_ENABLED=false \
    REFLEX_CHECK_LATEST_VERSION=false \
    NPM_CONFIG_REGISTRY=https://registry.npmjs.org
WORKDIR /app
COPY rxconfig.py ./
COPY reflex.lock ./reflex.lock
COPY assets ./assets
COPY contracts ./contracts
COPY stubhub_ui ./stubhub_ui
RUN reflex export --frontend-only --no-zip --env prod

# --------------------------------------------------------------------- runtime
FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app
COPY --from=bun /usr/local/bin/bun /usr/local/bin/bun
COPY --from=deps /opt/venv /opt/venv
COPY --from=build --chown=app:app /app /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    REFLEX_DIR=/app/.reflex \
    REFLEX_USE_SYSTEM_BUN=1 \
    REFLEX_TELEMETRY_ENABLED=false \
    REFLEX_CHECK_LATEST_VERSION=false \
    REFLEX_USE_GRANIAN=1 \
    PORT=3000
WORKDIR /app
USER 10001:10001
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/ping', timeout=2)"]
CMD ["reflex", "run", "--env", "prod", "--frontend-port", "3000", "--backend-port", "3000", "--backend-host", "0.0.0.0"]
