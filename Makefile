# The two commands: `make run` (the whole stack on http://localhost:8080) and `make test`.
.PHONY: run seed test setup lint unit system bench chaos clean generate lock

PY := .venv/bin/python

setup:
	@scripts/setup.sh

# `make run SEED=1` also fills the fresh stack with demo events and listings;
# `make run OBSERVE=1` also collects traces in var/traces.jsonl (docs/operations.md).
run: setup
	@SEED=$(SEED) OBSERVE=$(OBSERVE) $(PY) scripts/stack.py

# Demo events and listings through the public API of a running stack (re-runnable).
seed:
	@$(PY) scripts/seed.py

# Rewrite every file derived from contracts/topology.py (k8s manifests, ingress).
generate: setup
	$(PY) infra/render.py

# Re-pin every environment's dependencies (requirements/*.txt, with hashes) after
# editing pyproject.toml; `make lint` fails while a lock is stale.
lock: setup
	$(PY) scripts/lock.py

lint: setup
	$(PY) scripts/lock.py --check
	.venv/bin/hadolint infra/docker/services.Dockerfile infra/docker/ui.Dockerfile
	$(PY) scripts/checkov_k8s.py
	.venv/bin/ruff check .
	.venv/bin/ruff format --check backend_services contracts harness tests scripts bench infra stubhub_ui rxconfig.py
	.venv/bin/mypy backend_services contracts harness scripts tests bench infra
	.venv-ui/bin/mypy stubhub_ui
	.venv/bin/lint-imports --no-cache
	$(PY) scripts/check_sizes.py

# In-process service suites against real nats-server, Redis, SQLite and PostgreSQL.
unit: setup
	.venv/bin/pytest -q --ignore=tests/system

# HTTP and browser journeys against a full stack (started by the suite).
system: setup
	.venv/bin/pytest -q tests/system

test: lint unit system

bench: setup
	$(PY) -m bench $(BENCH_ARGS)

chaos: setup
	$(PY) -m harness.chaos $(CHAOS_ARGS)

clean:
	rm -rf var .web .states
