#!/usr/bin/env bash
# Install everything `make run` and `make test` need; cheap when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

system_packages() {
  local missing=()
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  command -v npm >/dev/null || missing+=(npm)
  command -v wrk >/dev/null || missing+=(wrk) # make bench's load generator
  [ ${#missing[@]} -eq 0 ] && return
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    say "Installing system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # The Debian packages start their own servers; the stack runs its own copies.
    for svc in redis-server nginx postgresql; do service "$svc" stop >/dev/null 2>&1 || true; done
  else
    echo "Missing system packages: ${missing[*]}" >&2
    echo "Install them with your package manager (Debian/Ubuntu: sudo apt-get install ${missing[*]}) and run this again." >&2
    exit 1
  fi
}

# venv DIR LOCK [project]: (re)install from requirements/LOCK.txt, every package pinned
# with its hashes (scripts/lock.py), when that lock changed; "project" then adds this
# repository itself, editable and without dependencies.
venv() {
  local dir=$1 lock=requirements/$2.txt project=${3:-}
  if [ ! -f "$dir/.stamp" ] || [ "$lock" -nt "$dir/.stamp" ]; then
    say "Python environment $dir ($lock)"
    [ -x "$dir/bin/python" ] || python3 -m venv "$dir"
    mkdir -p var/log
    if ! {
      "$dir/bin/pip" install -q --require-hashes --no-deps -r "$lock" &&
        if [ -n "$project" ]; then "$dir/bin/pip" install -q --no-deps -e .; fi
    } >var/log/setup.log 2>&1; then
      tail -n 40 var/log/setup.log >&2
      echo "Installing $dir failed; the full log is var/log/setup.log" >&2
      exit 1
    fi
    touch "$dir/.stamp"
  fi
}

system_packages
venv .venv dev project
venv .venv-ui ui-dev project
# localstripe (GPL, test-only) lives in its own environment and runs as a process.
venv .venv-stripe localstripe
# checkov (make lint) pins many packages of its own.
venv .venv-checkov checkov
if [ ! -x .tools/node_modules/.bin/bun ]; then
  say "bun (for the Reflex frontend build)"
  mkdir -p .tools && npm install --silent --no-audit --no-fund --prefix .tools bun@1.4.4
fi
