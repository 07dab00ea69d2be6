#!/usr/bin/env bash
# Installs, from the system packages and only where missing, the programs the
# tests, the benchmarks and the chaos run start for themselves:
#   - redis-server, redis-cli      (throwaway Redis servers and a Redis Cluster)
#   - the PostgreSQL server        (initdb/pg_ctl: a throwaway cluster per run)
#   - mosquitto                    (the benchmark's peer broker)
# None of them needs to be running: every test starts its own on a free
# loopback port and removes it at exit. Safe to run again; does nothing when
# everything is present. `npm test` runs it by itself when it may (root or
# password-less sudo).
set -euo pipefail

has_postgres_server() {
  local bindir
  bindir=$(pg_config --bindir 2>/dev/null || true)
  [ -n "$bindir" ] && [ -x "$bindir/initdb" ] && return 0
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null && return 0
  command -v initdb >/dev/null 2>&1
}

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
# The package also creates the 'postgres' OS user the tests run the server as when they run as root.
if ! has_postgres_server || ! id -u postgres >/dev/null 2>&1; then
  missing+=(postgresql)
fi

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: redis-server, redis-cli, the PostgreSQL server and mosquitto are installed"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: missing ${missing[*]}, and this is not a Debian or Ubuntu machine (no apt-get):" >&2
  echo "setup: install Redis, the PostgreSQL server and Mosquitto with your package manager" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "setup: missing ${missing[*]}; run this script as root to install them" >&2
    exit 1
  fi
  SUDO="sudo"
fi

echo "setup: installing ${missing[*]} (apt-get)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: installed ${missing[*]}"
