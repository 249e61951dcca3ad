# syntax=docker/dockerfile:1.7
#
# Every backend service and worker: ONE image, which names no
# service. `python -m backend_services` runs the service named by `SERVICE`
# (set by each Deployment, or baked in with `--build-arg SERVICE=<name>` for
# `docker run`); port, prefix and health path come from contracts/topology.py.
#
#   docker build -f infra/docker/services.Dockerfile -t ticketing/services .
#   docker run -e SERVICE=tickets -e DATABASE_URL=... ticketing/services
#
# Layout: dependencies in /opt/venv (the project itself is not installed), the
# source in /app/backend_services and /app/contracts, run from /app. Kubernetes mounts the root filesystem read-only; skaffold's dev
# loop syncs changed .py files into /app (hence /app is owned by the app user).

# The base image by digest; the tag it was published as: python:3.11-slim (3.11.16,
# Debian trixie, the multi-arch index pushed 2026-08-16). Refresh both with
# `docker buildx imagetools inspect python:3.11-slim` (docs/deploy.md).
ARG PYTHON_IMAGE=python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7

# ---------------------------------------------------------------- dependencies
FROM ${PYTHON_IMAGE} AS deps
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Only the lock: this layer is rebuilt when dependencies change, not code. Every
# package is pinned with its hashes (requirements/services.txt, `make lock` from
# pyproject.toml); pip refuses anything else, and the project itself is not installed.
COPY requirements/services.txt ./requirements/
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --require-hashes --no-deps -r requirements/services.txt

# --------------------------------------------------------------------- runtime
FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app
COPY --from=deps /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=8000 \
    ENVIRONMENT=production \
    LOG_JSON=true
WORKDIR /app
COPY --chown=app:app contracts ./contracts
COPY --chown=app:app backend_services ./backend_services
USER 10001:10001
EXPOSE 8000
ARG SERVICE=""
ENV SERVICE=${SERVICE}
# Kubernetes uses its own probes; this one serves `docker run` and compose.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-m", "backend_services.healthcheck"]
CMD ["python", "-m", "backend_services"]
