"""SLOW (about 30 s): the Dockerfiles' own commands, run outside Docker.

For each Dockerfile, the dependency stage's RUN lines run in a fresh
virtualenv (standing in for /opt/venv), on a copy of what the stage COPYs. Then
each image's CMD starts with the image's ENV plus its Deployment's env (with
in-cluster addresses replaced by local test servers) in a copy of /app, and
the image's own HEALTHCHECK must pass. The two installs run in parallel and
reuse pip's wheel cache.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import servers
from tests.infra import support
from tests.infra.support import Stage

pytestmark = pytest.mark.slow

DOCKERFILES = {
    "services": support.INFRA / "docker/services.Dockerfile",
    "ui": support.INFRA / "docker/ui.Dockerfile",
}
BASE_PATH = "/usr/local/bin:/usr/bin:/bin"


def localise(value: str, venv: Path, app: Path) -> str:
    """Image paths -> their stand-ins on this machine."""
    return value.replace("/opt/venv", str(venv)).replace("/app", str(app))


def image_env(stage: Stage, venv: Path, app: Path, extra_path: str) -> dict[str, str]:
    env = {k: localise(v, venv, app) for k, v in stage.env.items()}
    env["PATH"] = env.get("PATH", "$PATH").replace("$PATH", f"{extra_path}:{BASE_PATH}")
    env["HOME"] = str(app)
    return env


def copy_context(dest: Path, sources: list[str]) -> None:
    """Copy build-context paths as Docker would: only what .dockerignore admits."""
    dest.mkdir(parents=True, exist_ok=True)
    for src in sources:
        names = [p.name for p in support.REPO.iterdir()] if src == "." else [src]
        for name in names:
            path = support.REPO / name
            if not path.exists() or not support.dockerignore_admits(name):
                continue
            if path.is_dir():

                def ignore(folder: str, entries: list[str]) -> list[str]:
                    rel = Path(folder).relative_to(support.REPO)
                    return [e for e in entries if not support.dockerignore_admits(f"{rel}/{e}")]

                shutil.copytree(path, dest / name, ignore=ignore, dirs_exist_ok=True)
            else:
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, dest / name)


def run_stage(
    stage: Stage, workdir: Path, venv: Path, app: Path, extra_path: str, log: Path
) -> subprocess.Popen[bytes]:
    """The stage's RUN lines, in order, as one shell script."""
    copy_context(
        workdir, [a for c in stage.copies if not c[0].startswith("--from") for a in c[:-1]]
    )
    script = " && ".join(f"( {localise(run, venv, app)} )" for run in stage.runs)
    with log.open("wb") as out:
        return subprocess.Popen(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=workdir,
            env={**os.environ, **image_env(stage, venv, app, extra_path)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


@pytest.fixture(scope="session")
def venvs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """The `deps` stage of each Dockerfile, run into a fresh venv (both in parallel).

    Each installs from its hashed lock (`pip install --require-hashes`). A venv is
    kept in pytest's cache for the same day, locks and stage, so reruns take no
    time; any change to those, or a new day, installs afresh.
    """
    cache = getattr(request.config, "cache", None)
    root = cache.mkdir("infra-image-venvs") if cache else tmp_path_factory.mktemp("image-deps")
    shim = root / "bin"  # `python` in the image is CPython 3.11
    shim.mkdir(exist_ok=True)
    if not (shim / "python").exists():
        (shim / "python").symlink_to(getattr(sys, "_base_executable", sys.executable))
    procs, venvs = {}, {}
    for name, dockerfile in DOCKERFILES.items():
        stage = support.dockerfile(dockerfile)["deps"]
        key = hashlib.sha256(
            "\n".join(
                [
                    time.strftime("%Y-%m-%d"),
                    sys.version,
                    *(p.read_text() for p in sorted((support.REPO / "requirements").glob("*"))),
                    repr(stage),
                ]
            ).encode()
        ).hexdigest()[:16]
        venvs[name] = venv = root / f"{name}-{key}"
        if (venv / ".complete").exists():
            continue
        for old in root.glob(f"{name}-*"):
            shutil.rmtree(old)
        procs[name] = run_stage(
            stage, venv.with_suffix(".src"), venv, root / "app", str(shim), root / f"{name}.log"
        )
    for name, proc in procs.items():
        if proc.wait(timeout=600) != 0:
            tail = (root / f"{name}.log").read_text()[-3000:]
            pytest.fail(f"{DOCKERFILES[name].name} dependency install failed:\n{tail}")
        (venvs[name] / ".complete").touch()
    return venvs


def empty_secrets(tmp_path: Path) -> Path:
    """Stands in for the pod's Secret volume (/run/secrets/ticketing)."""
    folder = tmp_path / "secrets"
    folder.mkdir(exist_ok=True)
    return folder


def deployment_env(app: str, local: dict[str, str]) -> dict[str, str]:
    docs = support.render("prod")
    env = support.effective_env(
        docs, support.main_container(support.of_kind(docs, "Deployment")[app])
    )
    for name, value in local.items():
        if name in env:
            env[name] = value
    return env


def wait_healthy(
    proc: subprocess.Popen[bytes], check: list[str], env: dict[str, str], log: Path
) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{proc.args!r} exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        if subprocess.run(check, env=env, capture_output=True).returncode == 0:
            return
        time.sleep(0.3)
    pytest.fail(f"HEALTHCHECK never passed:\n{log.read_text()[-3000:]}")


def stop_all(procs: dict[str, subprocess.Popen[bytes]], grace: float = 12) -> dict[str, float]:
    """SIGTERM every process at once; seconds each took to exit (inf: killed after `grace`)."""
    started = time.monotonic()
    for proc in procs.values():
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    took = {}
    for name, proc in procs.items():
        try:
            proc.wait(max(0.0, grace - (time.monotonic() - started)))
            took[name] = time.monotonic() - started
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            took[name] = float("inf")
    return took


def test_the_install_left_only_dependencies(venvs: dict[str, Path]) -> None:
    for name, venv in venvs.items():
        listed = subprocess.run(
            [venv / "bin/pip", "list", "--format=freeze"], capture_output=True, text=True
        )
        packages = {line.split("==")[0].lower() for line in listed.stdout.splitlines()}
        assert "stubhub" not in packages, name  # the code comes from /app, not site-packages
        assert not {"pytest", "ruff", "mypy", "playwright"} & packages, name
        assert ("arq" in packages) == (name == "services") and ("reflex" in packages) == (
            name == "ui"
        )


@pytest.fixture
def service_processes(
    venvs: dict[str, Path],
    tmp_path: Path,
    nats_server: servers.Server,
    redis_server: servers.Server,
) -> Iterator[list[tuple[str, subprocess.Popen[bytes], list[str], dict[str, str], Path]]]:
    runtime = support.dockerfile(DOCKERFILES["services"])["runtime"]
    app = tmp_path / "app"
    copy_context(app, [a for c in runtime.copies for a in c[:-1] if not a.startswith("--")])
    started = []
    for service in support.SERVICES:
        stage = support.image_stage(support.SERVICES_IMAGE)  # one image, `SERVICE` picks
        assert stage.cmd and stage.healthcheck
        local = {
            "DATABASE_URL": f"sqlite:///{tmp_path}/{service}.db",
            # The harness user's credentials in the URLs (harness/servers.py).
            "NATS_URL": nats_server.url("nats"),
            "REDIS_URL": redis_server.url("redis", path="/1"),
            "SECRETS_DIR": str(empty_secrets(tmp_path)),  # the credentials are in the URLs
        }
        env = {
            **image_env(stage, venvs["services"], app, ""),
            **deployment_env(service, local),
            "PORT": str(servers.free_port()),
        }
        log = tmp_path / f"{service}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                stage.cmd,
                cwd=app,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started.append((service, proc, stage.healthcheck, env, log))
    try:
        yield started
    finally:
        for _, proc, *_ in started:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def test_service_images_start_and_pass_their_healthcheck(
    service_processes: list[tuple[str, subprocess.Popen[bytes], list[str], dict[str, str], Path]],
) -> None:
    assert {name for name, *_ in service_processes} == set(support.SERVICES)
    for _, proc, check, env, log in service_processes:
        wait_healthy(proc, check, env, log)
    # Kubernetes stops a pod with SIGTERM and kills it 30 s later; uvicorn allows
    # requests 10 s to finish.
    took = stop_all({name: proc for name, proc, *_ in service_processes})
    slow = {name for name, seconds in took.items() if seconds > 11}
    assert not slow, took


def runtime_app(stage: Stage, build_app: Path, dest: Path) -> Path:
    """/app of the runtime stage: its COPYs from the context and from the build stage."""
    copy_context(dest, [a for c in stage.copies if not c[0].startswith("--") for a in c[:-1]])
    for copy in stage.copies:
        if copy[0] == "--from=build":
            src, target = copy[-2], copy[-1]
            relative = Path(src).relative_to("/app")
            shutil.copytree(build_app / relative, dest / target, dirs_exist_ok=True)
    return dest


def read_only(cmd: list[str], *paths: Path) -> list[str]:
    """`cmd` in a mount namespace where `paths` are read-only, as the pod's root is."""
    binds = " && ".join(f"mount --bind {p} {p} && mount -o remount,bind,ro {p} {p}" for p in paths)
    return [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        f'{binds} && exec "$@"',
        "sh",
        *cmd,
    ]


def socket_connects(port: str) -> bool:
    """The browser's /_event websocket (socket.io) opens."""
    import socketio

    async def connect() -> bool:
        client = socketio.AsyncSimpleClient()
        try:
            await client.connect(
                f"http://127.0.0.1:{port}", socketio_path="/_event", transports=["websocket"]
            )
            return bool(client.sid)
        finally:
            await client.disconnect()

    return asyncio.run(connect())


def test_ui_image_builds_the_frontend_then_serves_it_from_a_read_only_root(
    venvs: dict[str, Path],
    tmp_path: Path,
    nats_server: servers.Server,
    redis_server: servers.Server,
) -> None:
    bun = shutil.which("bun") or support.REPO / ".tools/node_modules/.bin/bun"
    assert Path(bun).exists(), "bun is not installed (scripts/setup.sh installs it under .tools/)"
    bun_dir = tmp_path / "bin"  # the build stage has it as /usr/local/bin/bun
    bun_dir.mkdir()
    (bun_dir / "bun").symlink_to(Path(bun).resolve())
    stages = support.dockerfile(DOCKERFILES["ui"])
    venv = venvs["ui"]

    build = stages["build"]
    build_app = tmp_path / "build"
    proc = run_stage(build, build_app, venv, build_app, str(bun_dir), tmp_path / "build.log")
    if proc.wait(timeout=300) != 0:
        pytest.fail("UI frontend build failed:\n" + (tmp_path / "build.log").read_text()[-3000:])

    runtime = stages["runtime"]
    assert runtime.cmd and runtime.healthcheck
    app = runtime_app(runtime, build_app, tmp_path / "app")
    assert (app / ".web/build/client").is_dir() and not (app / ".web/node_modules").exists()
    port = str(servers.free_port())
    local = {
        "NATS_URL": nats_server.url("nats"),
        "UI_REDIS_URL": redis_server.url("redis", path="/2"),  # prod: 2 workers
        "SECRETS_DIR": str(empty_secrets(tmp_path)),
    }
    env = {**image_env(runtime, venv, app, ""), **deployment_env("ui", local), "PORT": port}
    assert "bun" not in " ".join(runtime.cmd)  # no build at start
    check = [re.sub(r":3000/", f":{port}/", a) for a in runtime.healthcheck]
    log = tmp_path / "ui.log"
    with log.open("wb") as out:
        ui = subprocess.Popen(
            read_only(runtime.cmd, app, venv),
            cwd=app,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_healthy(ui, check, env, log)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as page:
            assert "<html" in page.read().decode().lower()
        assert socket_connects(port)
    finally:
        if ui.poll() is None:
            os.killpg(ui.pid, signal.SIGKILL)
            ui.wait()
