#!/usr/bin/env bash
# Sourced by test.sh: makes a local PostgreSQL available to the storage tests and exports ARGUS_TEST_POSTGRES.
# On a fresh Debian 12 machine (as root, or with sudo) it installs Debian's postgresql package, starts the cluster on
# 127.0.0.1 only, and creates role `argus` and database `argus_test`. Idempotent: a second run changes nothing.
# An ARGUS_TEST_POSTGRES already set is used as it is (point it at your own server to skip all of this).
set -euo pipefail

pg_log() { printf '\033[1m[postgres]\033[0m %s\n' "$*" >&2; }

argus_postgres_setup() {
  if [ -n "${ARGUS_TEST_POSTGRES:-}" ]; then
    pg_log "using ARGUS_TEST_POSTGRES from the environment"
    return 0
  fi

  local sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"

  if ! dpkg-query -W -f='${Status}' postgresql 2>/dev/null | grep -q "install ok installed"; then
    pg_log "installing Debian package postgresql"
    $sudo_cmd apt-get update -qq
    # policy-rc.d may forbid starting services during install (containers); the cluster is started below either way.
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  fi

  local version
  version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
  if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main"' | grep -q .; then
    pg_log "creating cluster $version/main"
    $sudo_cmd pg_createcluster "$version" main >/dev/null
  fi

  # Loopback only: nothing outside this machine can reach the test server. Debian's postgresql.conf reads conf.d/.
  local conf="/etc/postgresql/$version/main/conf.d/argus-test.conf"
  if ! grep -qs "^listen_addresses = '127.0.0.1'" "$conf"; then
    echo "listen_addresses = '127.0.0.1'  # written by Argus scripts/postgres.sh" | $sudo_cmd tee "$conf" >/dev/null
  fi
  local port
  port="$(pg_conftool -s "$version" main show port 2>/dev/null || echo 5432)"

  if pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; then
    pg_log "cluster $version/main already running on port $port"
  else
    pg_log "starting cluster $version/main on 127.0.0.1:$port"
    $sudo_cmd pg_ctlcluster "$version" main start || { echo "postgres: cannot start cluster $version/main" >&2; return 1; }
  fi

  local i
  for i in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 1
  done
  pg_isready -q -h 127.0.0.1 -p "$port" || { echo "postgres: server on 127.0.0.1:$port did not become ready" >&2; return 1; }

  local psql=(psql -X -q -v ON_ERROR_STOP=1 -p "$port")
  local as_postgres=(runuser -u postgres --)
  [ "$(id -u)" -eq 0 ] || as_postgres=(sudo -u postgres)
  "${as_postgres[@]}" "${psql[@]}" -d postgres <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'argus') THEN
    CREATE ROLE argus LOGIN PASSWORD 'argus';
  ELSE
    ALTER ROLE argus LOGIN PASSWORD 'argus';
  END IF;
END
$$;
SQL
  if ! "${as_postgres[@]}" "${psql[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'argus_test'" | grep -q 1; then
    pg_log "creating database argus_test"
    "${as_postgres[@]}" createdb -p "$port" -O argus argus_test
  fi

  export ARGUS_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=argus;Password=argus;Database=argus_test"
  pg_log "ARGUS_TEST_POSTGRES=$ARGUS_TEST_POSTGRES"
}

argus_postgres_setup
