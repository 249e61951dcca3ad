"""Kubernetes objects of one service, built from its row in contracts/topology.py.

Every Deployment gets the same hardening (non-root, RuntimeDefault seccomp, no
service-account token, read-only root filesystem, all capabilities dropped,
requests and limits), probes on its health routes, a preStop pause (the
endpoints controller and the ingress stop routing to a terminating pod a moment
after it gets SIGTERM) and a spread over nodes. `infra/render.py` writes them.
"""

from __future__ import annotations

from typing import Any

from contracts.topology import K8S_HTTP_PORT, Kind, ServiceInfo
from infra import access

Obj = dict[str, Any]

SERVICES_IMAGE = "ticketing/services"  # infra/docker/services.Dockerfile: every service
POSTGRES_IMAGE = "postgres:18-alpine"
APP_UID = 10001
POSTGRES_UID = 70  # postgres in the alpine image
PRESTOP_SLEEP_SECONDS = 5
REDIS_URL = "redis://redis:6379/0"  # keys are namespaced (arq:*, auth:*, session:*)
SECRETS_DIR = "/run/secrets/ticketing"  # the settings read their secrets from files here
RESTRICTED = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
}


def labels(name: str, component: str | None = None) -> dict[str, str]:
    out = {"app.kubernetes.io/name": name}
    if component:
        out["app.kubernetes.io/component"] = component
    return out


def pod_security(uid: int, gid: int, fs_group: int | None = None) -> Obj:
    ctx: Obj = {"runAsNonRoot": True, "runAsUser": uid, "runAsGroup": gid}
    if fs_group is not None:
        ctx["fsGroup"] = fs_group
    ctx["seccompProfile"] = {"type": "RuntimeDefault"}
    return ctx


def http_probe(path: str, period: int, failures: int, timeout: int | None = 3) -> Obj:
    probe: Obj = {"httpGet": {"path": path, "port": "http"}, "periodSeconds": period}
    if timeout is not None:
        probe["timeoutSeconds"] = timeout
    probe["failureThreshold"] = failures
    return probe


def secret_env(name: str, secret: str, key: str) -> Obj:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def deployment(
    name: str, component: str, container: Obj, volumes: list[Obj], annotations: Obj | None = None
) -> Obj:
    """A stateless Deployment: rolling without a gap, spread over nodes, paused before stop."""
    container.setdefault(
        "lifecycle", {"preStop": {"exec": {"command": ["sleep", str(PRESTOP_SLEEP_SECONDS)]}}}
    )
    pod: Obj = {
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "terminationGracePeriodSeconds": 30,
        # fsGroup: the secret files (mode 0440) are readable by the app's group.
        "securityContext": pod_security(APP_UID, APP_UID, fs_group=APP_UID),
        "topologySpreadConstraints": [
            {
                "maxSkew": 1,
                "topologyKey": key,
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": labels(name)},
            }
            for key in ("kubernetes.io/hostname", "topology.kubernetes.io/zone")
        ],
        "containers": [container],
    }
    if volumes:
        pod["volumes"] = volumes
    template_metadata: Obj = {"labels": labels(name, component)}
    if annotations:
        template_metadata["annotations"] = annotations
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels(name, component)},
        "spec": {
            "replicas": 1,
            "revisionHistoryLimit": 5,
            "strategy": {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "selector": {"matchLabels": labels(name)},
            "template": {"metadata": template_metadata, "spec": pod},
        },
    }


def cluster_service(name: str, ports: list[Obj]) -> Obj:
    """A ClusterIP Service: its name resolves at once, even before any pod is ready."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": labels(name)},
        "spec": {"type": "ClusterIP", "selector": labels(name), "ports": ports},
    }


# ------------------------------------------------------------------------ services


def service_env(s: ServiceInfo) -> list[Obj]:
    env: list[Obj] = [{"name": "SERVICE", "value": s.name}]
    if s.database:
        env += [
            secret_env("DB_PASSWORD", f"{s.name}-db-secret", "password"),
            {
                "name": "DATABASE_URL",
                "value": f"postgresql://{s.name}:$(DB_PASSWORD)@{s.name}-db:5432/{s.name}",
            },
        ]
    if s.kind is Kind.API:  # expiration verifies no session: it gets no key
        env.append(secret_env("JWT_KEY", "jwt-secret", "JWT_KEY"))
    if s.redis:
        env.append({"name": "REDIS_URL", "value": REDIS_URL})
    if s.stripe:
        env.append(secret_env("STRIPE_SECRET_KEY", "stripe-secret", "STRIPE_SECRET_KEY"))
        # Verifies Stripe-Signature on /webhooks/stripe (Payments v2).
        env.append(secret_env("STRIPE_WEBHOOK_SECRET", "stripe-secret", "STRIPE_WEBHOOK_SECRET"))
    return env


def has_access_secret(name: str) -> bool:
    """A bus or Redis user: its passwords come from the `<name>-access` Secret."""
    return name in {u.name for u in access.bus_users()} | set(access.redis_users())


def with_access_secret(name: str, container: Obj, volumes: list[Obj]) -> None:
    """Mount `<name>-access` (infra/k8s_access.py) as files and point SECRETS_DIR at them."""
    if not has_access_secret(name):
        return
    container["env"].append({"name": "SECRETS_DIR", "value": SECRETS_DIR})
    container.setdefault("volumeMounts", []).append(
        {"name": "access", "mountPath": SECRETS_DIR, "readOnly": True}
    )
    volumes.append(
        {"name": "access", "secret": {"secretName": f"{name}-access", "defaultMode": 0o440}}
    )


# Prometheus' Kubernetes pod discovery (the common `prometheus.io/*` relabel rules):
# /metrics is on the pod port only, never routed by the Ingress.
SCRAPE_ANNOTATIONS = {
    "prometheus.io/scrape": "true",
    "prometheus.io/port": str(K8S_HTTP_PORT),
    "prometheus.io/path": "/metrics",
}


def service_objects(s: ServiceInfo) -> list[Obj]:
    """The Deployment of a service (and its ClusterIP Service if it has public routes)."""
    health = s.health_prefix
    container: Obj = {
        "name": s.name,
        "image": SERVICES_IMAGE,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "http", "containerPort": K8S_HTTP_PORT}],
        "envFrom": [{"configMapRef": {"name": "ticketing-config"}}],
        "env": service_env(s),
        # The port opens at once; a database that is not there yet is retried in
        # the background (common/app.py), so only a wedged process fails these.
        "startupProbe": http_probe(f"{health}/healthz", 2, 30, timeout=None),
        # Ready = own database reachable and migrated; NATS/Redis are reported only.
        "readinessProbe": http_probe(f"{health}/readyz", 5, 2),
        "livenessProbe": http_probe(f"{health}/healthz", 10, 3),
        "resources": {
            "requests": {"cpu": "50m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "384Mi"},
        },
        "securityContext": dict(RESTRICTED),
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    volumes = [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}]
    with_access_secret(s.name, container, volumes)
    objects = [deployment(s.name, s.kind.value, container, volumes, SCRAPE_ANNOTATIONS)]
    if s.kind is Kind.API:
        port = {"name": "http", "port": K8S_HTTP_PORT, "targetPort": "http"}
        objects.append(cluster_service(s.name, [port]))
    return objects


# ----------------------------------------------------------------------- databases


def database_objects(s: ServiceInfo) -> list[Obj]:
    """PostgreSQL for one service: StatefulSet, ClusterIP Service, NetworkPolicy."""
    db = f"{s.name}-db"
    secret = f"{db}-secret"
    ready = {"exec": {"command": ["pg_isready", "-h", "127.0.0.1", "-d", s.name]}}
    container: Obj = {
        "name": "postgres",
        "image": POSTGRES_IMAGE,
        "ports": [{"name": "postgres", "containerPort": 5432}],
        "env": [
            # The superuser only initialises; the service logs in as APP_USER
            # (postgres-init.yaml makes it the owner of its database, no more).
            {"name": "POSTGRES_USER", "value": "postgres"},
            secret_env("POSTGRES_PASSWORD", secret, "superuser-password"),
            {"name": "POSTGRES_DB", "value": s.name},
            {"name": "APP_USER", "value": s.name},
            secret_env("APP_PASSWORD", secret, "password"),
        ],
        # First start runs initdb and the init script before it listens on TCP.
        "startupProbe": {**ready, "periodSeconds": 2, "failureThreshold": 90},
        "readinessProbe": {**ready, "periodSeconds": 5},
        "livenessProbe": {**ready, "periodSeconds": 10, "failureThreshold": 6},
        # SIGTERM is PostgreSQL's "smart" shutdown: it waits for every pooled
        # connection to close, i.e. until the kubelet's SIGKILL. Fast shutdown
        # disconnects clients, checkpoints and exits cleanly.
        "lifecycle": {
            "preStop": {
                "exec": {"command": ["sh", "-c", 'pg_ctl stop -D "$PGDATA" -m fast -w -t 50']}
            }
        },
        "resources": {
            "requests": {"cpu": "100m", "memory": "256Mi"},
            "limits": {"cpu": "1", "memory": "512Mi"},
        },
        "securityContext": dict(RESTRICTED),
        "volumeMounts": [
            # PostgreSQL 18 keeps PGDATA in /var/lib/postgresql/18/docker.
            {"name": "data", "mountPath": "/var/lib/postgresql"},
            {"name": "run", "mountPath": "/var/run/postgresql"},
            {"name": "tmp", "mountPath": "/tmp"},
            {"name": "init", "mountPath": "/docker-entrypoint-initdb.d", "readOnly": True},
        ],
    }
    statefulset = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": db, "labels": labels(db, "database")},
        "spec": {
            "serviceName": db,
            "replicas": 1,
            "selector": {"matchLabels": labels(db)},
            "template": {
                "metadata": {"labels": labels(db, "database")},
                "spec": {
                    "automountServiceAccountToken": False,
                    "enableServiceLinks": False,
                    "terminationGracePeriodSeconds": 60,
                    "securityContext": pod_security(POSTGRES_UID, POSTGRES_UID, POSTGRES_UID),
                    "containers": [container],
                    "volumes": [
                        {"name": "run", "emptyDir": {}},
                        {"name": "tmp", "emptyDir": {}},
                        {"name": "init", "configMap": {"name": "postgres-init"}},
                    ],
                },
            },
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "data"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "1Gi"}},
                    },
                }
            ],
        },
    }
    service = cluster_service(db, [{"name": "postgres", "port": 5432, "targetPort": "postgres"}])
    policy = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": db},
        "spec": {
            "podSelector": {"matchLabels": labels(db)},
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [{"podSelector": {"matchLabels": labels(s.name)}}],
                    "ports": [{"port": 5432}],
                }
            ],
        },
    }
    return [statefulset, service, policy]


# ---------------------------------------------------------------------------- prod


def disruption_budget(name: str) -> Obj:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": name},
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": labels(name)}},
    }


def cpu_autoscaler(name: str, minimum: int, maximum: int, cpu_percent: int) -> Obj:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": minimum,
            "maxReplicas": maximum,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": cpu_percent},
                    },
                }
            ],
        },
    }
