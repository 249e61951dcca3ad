"""The prod overlay's NATS: a three-node JetStream cluster whose streams are R3.

The rendered nats.conf and the services' settings are read from
`kubectl kustomize infra/k8s/overlays/prod`; then three real nats-servers run
that very file (only the addresses are swapped for loopback ports, by command
line flags, and the store for a temp dir) and the services' EventBus, configured from the rendered
environment, creates the streams on it.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest

from backend_services.common.events import EventBus
from backend_services.common.events.bus import DEAD_LETTER_STREAM, StreamLimits
from backend_services.common.settings import ServiceSettings
from harness import servers
from infra import access
from tests.infra import support

pytestmark = pytest.mark.slow


def prod_settings() -> ServiceSettings:
    docs = support.render("prod")
    deployment = support.of_kind(docs, "Deployment")["tickets"]
    env = support.effective_env(docs, support.main_container(deployment))
    fields = ServiceSettings.model_fields
    values = {k.lower(): v for k, v in env.items() if k.lower() in fields}
    return ServiceSettings.model_validate(values)


def test_prod_renders_a_three_node_cluster_with_r3_streams() -> None:
    docs = support.render("prod")
    nats_set = support.of_kind(docs, "StatefulSet")["nats"]
    conf = support.nats_config(docs)
    routes = re.findall(r"nats://(nats-(\d+)\.nats-headless):6222", conf)
    assert nats_set["spec"]["replicas"] == 3
    assert sorted(int(i) for _, i in routes) == [0, 1, 2]
    assert nats_set["spec"]["serviceName"] == "nats-headless"
    headless = support.of_kind(docs, "Service")["nats-headless"]["spec"]
    assert headless["clusterIP"] == "None" and headless["publishNotReadyAddresses"] is True
    assert re.search(r"^jetstream\s*{", conf, re.M) and re.search(r"^cluster\s*{", conf, re.M)
    assert prod_settings().nats_stream_replicas == 3
    # dev stays one server with R1 streams
    dev = support.render("dev")
    assert support.of_kind(dev, "StatefulSet")["nats"]["spec"]["replicas"] == 1
    assert not re.search(r"^cluster\s*{", support.nats_config(dev), re.MULTILINE)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[list[servers.Server]]:
    rendered = support.nats_config(support.render("prod"))
    count = support.of_kind(support.render("prod"), "StatefulSet")["nats"]["spec"]["replicas"]
    cluster_ports = [servers.free_port() for _ in range(count)]
    routes = ",".join(f"nats://127.0.0.1:{p}" for p in cluster_ports)
    auth = servers.nats_server(tmp_path)  # its users, passwords and binary
    binary = auth.argv[0]
    # What the `nats-auth` Secret holds (infra/k8s_access.py), with the harness user.
    authorization = access.render_nats_authorization(
        auth.passwords, extra=[(servers.HARNESS_USER, auth.passwords[servers.HARNESS_USER])]
    )
    (tmp_path / "auth.conf").write_text(authorization)
    nodes = []
    for i, cport in enumerate(cluster_ports):
        port = servers.free_port()
        # nats-server refuses a second store_dir on the command line: swap the path.
        conf = tmp_path / f"nats-{i}.conf"
        conf.write_text(
            re.sub(r"store_dir:\s*/data\b", f"store_dir: {tmp_path}/store-{i}", rendered)
        )
        argv = [
            binary,
            "-c",
            str(conf),
            "-a",
            "127.0.0.1",
            "-p",
            str(port),
            "-m",
            str(servers.free_port()),
            "--cluster",
            f"nats://127.0.0.1:{cport}",
            "--routes",
            routes,
        ]
        env = {"POD_NAME": f"nats-{i}"}
        nodes.append(
            servers.Server(
                f"nats-{i}", argv, port, tmp_path / f"nats-{i}.log", env, passwords=auth.passwords
            )
        )
    try:
        for node in nodes:
            node.start()
        yield nodes
    finally:
        for node in nodes:
            node.stop()


@pytest.fixture
async def buses(cluster: list[servers.Server]) -> AsyncIterator[list[EventBus]]:
    buses: list[EventBus] = []
    yield buses
    for bus in buses:
        await bus.close()


async def started(bus: EventBus, buses: list[EventBus]) -> EventBus:
    buses.append(bus)
    await bus.start()
    await bus.wait_ready(timeout=90)  # the cluster elects a meta leader first
    return bus


async def stream_replicas(url: str, stream: str) -> tuple[int, int]:
    nc = await nats.connect(url)
    try:
        info = await nc.jetstream().stream_info(stream)
        assert info.config.num_replicas is not None and info.config.max_bytes is not None
        return info.config.num_replicas, info.config.max_bytes
    finally:
        await nc.close()


async def test_streams_are_r3_on_the_prod_cluster_and_never_downgraded(
    cluster: list[servers.Server], buses: list[EventBus]
) -> None:
    url = cluster[0].url("nats")  # the harness user (the rendered config has users)
    settings = prod_settings()
    prod = EventBus.from_settings(settings.model_copy(update={"nats_url": url}), "tickets")
    await started(prod, buses)
    for stream in (settings.nats_stream, DEAD_LETTER_STREAM):
        assert (await stream_replicas(url, stream))[0] == 3, stream
    assert (await stream_replicas(url, settings.nats_stream))[1] == settings.nats_stream_max_bytes

    # A process with an older/smaller setting (R1, other bounds) connects to another node:
    # its bounds apply, the replicas stay.
    other = cluster[1].url("nats")
    small = StreamLimits(replicas=1, max_bytes=64 * 1024**2, deadletter_max_bytes=8 * 1024**2)
    await started(EventBus(other, settings.nats_stream, "old-replica", small), buses)
    assert await stream_replicas(url, settings.nats_stream) == (3, 64 * 1024**2)
    assert await stream_replicas(url, DEAD_LETTER_STREAM) == (3, 8 * 1024**2)

    # Publishing through the R3 stream works and is acknowledged by the cluster.
    ack = await prod.publish("ticket.created", b"{}", msg_id="r3-check")
    assert ack.stream == settings.nats_stream
