"""infra/k8s stateful parts: each service's PostgreSQL, NATS, Redis, and what skaffold owns."""

from __future__ import annotations

import re

from tests.infra import support


def test_each_database_service_has_its_own_postgres_with_a_volume() -> None:
    docs = support.render("prod")
    sets = support.of_kind(docs, "StatefulSet")
    deployments = support.of_kind(docs, "Deployment")
    for service in support.DATABASES:
        db = sets[f"{service}-db"]
        assert db["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == "data"
        pg = support.pod_spec(db)["containers"][0]
        assert pg["image"].startswith("postgres:")
        assert {"name": "data", "mountPath": "/var/lib/postgresql"} in pg["volumeMounts"]
        db_env = {e["name"]: e for e in pg["env"]}
        user, name = db_env["APP_USER"]["value"], db_env["POSTGRES_DB"]["value"]
        assert user != db_env["POSTGRES_USER"]["value"]  # the app is not the superuser

        app = support.main_container(deployments[service])
        url = support.effective_env(docs, app)["DATABASE_URL"]
        assert re.fullmatch(rf"postgresql://{user}:[^@]+@{service}-db:5432/{name}", url), url
        # The service logs in with the password its role was created with, and
        # never holds the superuser's or another database's.
        app_password = db_env["APP_PASSWORD"]["valueFrom"]["secretKeyRef"]
        assert (app_password["name"], app_password["key"]) in support.secret_refs(
            deployments[service]
        )
        held = support.secret_refs(deployments[service])
        assert not {k for _, k in held} & {"superuser-password"}
        others = {f"{s}-db-secret" for s in support.DATABASES} - {f"{service}-db-secret"}
        assert not {n for n, _ in held} & others


def test_postgres_stops_fast_and_has_a_startup_probe() -> None:
    for service in support.DATABASES:
        db = support.of_kind(support.render("prod"), "StatefulSet")[f"{service}-db"]
        pg = support.pod_spec(db)["containers"][0]
        stop = " ".join(pg["lifecycle"]["preStop"]["exec"]["command"])
        assert "pg_ctl stop" in stop and "-m fast" in stop
        assert "pg_isready" in pg["startupProbe"]["exec"]["command"]
        mounts = {v["mountPath"]: v["name"] for v in pg["volumeMounts"]}
        init = mounts["/docker-entrypoint-initdb.d"]
        volume = next(v for v in support.pod_spec(db)["volumes"] if v["name"] == init)
        assert volume["configMap"]["name"] == "postgres-init"


def test_database_services_resolve_before_the_database_is_ready() -> None:
    """Headless names do not resolve until a pod is ready: the apps would crash-loop."""
    services = support.of_kind(support.render("prod"), "Service")
    for name in [f"{s}-db" for s in support.DATABASES] + ["nats", "redis"]:
        assert services[name]["spec"].get("clusterIP") != "None", name
        assert services[name]["spec"]["type"] == "ClusterIP", name


def test_nats_runs_jetstream_on_a_volume_and_redis_keeps_a_bounded_aof() -> None:
    docs = support.render("prod")
    sets = support.of_kind(docs, "StatefulSet")
    nats = support.pod_spec(sets["nats"])["containers"][0]
    assert nats["image"].startswith("nats:")
    conf = support.nats_config(docs)
    assert re.search(r"store_dir:\s*/data\b", conf)
    assert any(m["mountPath"] == "/data" and m["name"] == "data" for m in nats["volumeMounts"])

    redis = support.pod_spec(sets["redis"])["containers"][0]
    args = redis["args"]
    assert args[args.index("--appendonly") + 1] == "yes"
    # State, not cache: bounded, and never evicted silently.
    assert args[args.index("--maxmemory-policy") + 1] == "noeviction"
    assert args[args.index("--maxmemory") + 1].endswith("mb")
    data = args[args.index("--dir") + 1]
    assert any(m["mountPath"] == data and m["name"] == "data" for m in redis["volumeMounts"])
    for s in (sets["nats"], sets["redis"]):
        assert s["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == "data"


def test_namespace_is_not_part_of_what_skaffold_deploys() -> None:
    """skaffold's cleanup deletes what it deployed: never the Namespace (and its Secrets)."""
    for overlay in support.OVERLAYS:
        assert not support.of_kind(support.render(overlay), "Namespace"), overlay
    assert support.skaffold()["deploy"]["tolerateFailuresUntilDeadline"] is True
