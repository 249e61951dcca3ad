# syntax=docker/dockerfile:1.7
#
# The Reflex UI (`stubhub_ui`): pages, assets and the /_event websocket on one
# port (3000).
#
#   docker build -f infra/docker/ui.Dockerfile -t ticketing/ui .
#   docker build --build-arg REFLEX_API_URL=https://tickets.example.com ...
#
# The frontend is compiled once, here (`reflex export --frontend-only`, its JS
# dependencies from the committed reflex.lock/), with the public origin the browser
# uses for /_event baked in: REFLEX_API_URL, a build argument (skaffold.yaml passes
# the one the Deployment declares). The runtime image has no bun and no frontend
# sources: `python -m stubhub_ui.serve` serves that build with Reflex's production
# server and writes nothing, so the root filesystem is read-only (the Deployment
# mounts an emptyDir on /tmp, where a single worker without Redis keeps its states).

# The base image by digest; the tag it was published as: python:3.11-slim (3.11.16,
# Debian trixie, the multi-arch index pushed 2026-08-16). Refresh both with
# `docker buildx imagetools inspect python:3.11-slim` (docs/deploy.md).
ARG PYTHON_IMAGE=python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7

# ------------------------------------------------------------------------ bun
# Reflex 0.10.1 pins bun 1.4.4 (its lockfile format). The binary comes from the
# npm registry, the same package `scripts/setup.sh` installs outside Docker, and the
# build fails unless the tarball has this sha256 (its sha512 is the integrity in
# .tools/package-lock.json). linux/amd64 only: another platform needs its package
# (@oven/bun-linux-aarch64) and checksum.
FROM ${PYTHON_IMAGE} AS bun
ADD --checksum=sha256:93ca5a2abe45f3bcac6dd55baff8bb06c4ac824b70f89650b54e5c8b80dbef18 \
    https://registry.npmjs.org/@oven/bun-linux-x64/-/bun-linux-x64-1.4.4.tgz /tmp/bun.tgz
RUN tar -xzf /tmp/bun.tgz -C /tmp \
 && install -m 0755 /tmp/package/bin/bun /usr/local/bin/bun \
 && rm -rf /tmp/bun.tgz /tmp/package

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
# The browser's origin for /_event, baked into the build (and checked by CORS at runtime).
ARG REFLEX_API_URL=https://ticketing.dev
ENV REFLEX_API_URL=${REFLEX_API_URL}
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
COPY --from=deps /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    REFLEX_DIR=/app/.reflex \
    REFLEX_TELEMETRY_ENABLED=false \
    REFLEX_CHECK_LATEST_VERSION=false \
    REFLEX_USE_GRANIAN=1 \
    REFLEX_STATES_WORKDIR=/tmp/reflex-states \
    PORT=3000
WORKDIR /app
# The app's code and, from the build, only the compiled pages (.web/build/client)
# and the markers the server reads instead of compiling (.web/backend).
COPY rxconfig.py ./
COPY assets ./assets
COPY contracts ./contracts
COPY stubhub_ui ./stubhub_ui
COPY --from=build /app/.web/build/client ./.web/build/client
COPY --from=build /app/.web/backend ./.web/backend
USER 10001:10001
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/ping', timeout=2)"]
CMD ["python", "-m", "stubhub_ui.serve"]
