# syntax=docker/dockerfile:1.7
#
# The backend services and the expiration worker: one file, one target per
# deployable. They share every dependency (`.[services]`), so the images share
# every layer but the last, and a dependency bump is one rebuild.
#
#   docker build -f infra/docker/services.Dockerfile --target auth -t ticketing/auth .
#   (targets: auth, tickets, orders, payments, expiration)
#
# Layout: dependencies in /opt/venv (the project itself is not installed), the
# source in /app/backend_services, run with `python -m backend_services.<svc>`
# from /app. Kubernetes mounts the root filesystem read-only; skaffold's dev
# loop syncs changed .py files into /app (hence /app is owned by the app user).

ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------- dependencies
FROM ${PYTHON_IMAGE} AS deps
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Only pyproject.toml: this layer is rebuilt when dependencies change, not code.
# Empty package dirs let setuptools build the project, which is then removed.
COPY pyproject.toml ./
RUN --mount=type=cache,target=/root/.cache/pip \
    mkdir backend_services stubhub_ui contracts && pip install ".[services]" && pip uninstall -y stubhub

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
# Kubernetes uses its own probes; this one serves `docker run` and compose.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ['PORT']}{os.environ['HEALTH_PATH']}\", timeout=2)"]

# --------------------------------------------------------------------- targets
FROM runtime AS auth
ENV HEALTH_PATH=/api/users/healthz
CMD ["python", "-m", "backend_services.auth"]

FROM runtime AS tickets
ENV HEALTH_PATH=/api/tickets/healthz
CMD ["python", "-m", "backend_services.tickets"]

FROM runtime AS orders
ENV HEALTH_PATH=/api/orders/healthz
CMD ["python", "-m", "backend_services.orders"]

FROM runtime AS payments
ENV HEALTH_PATH=/api/payments/healthz
CMD ["python", "-m", "backend_services.payments"]

FROM runtime AS expiration
ENV HEALTH_PATH=/healthz
CMD ["python", "-m", "backend_services.expiration"]
