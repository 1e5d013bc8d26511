#!/usr/bin/env bash
# Run a command with DUALCHECK_TEST_DATABASE_URL pointing at a PostgreSQL server we may administer.
#  1. DUALCHECK_TEST_DATABASE_URL already set: use it.
#  2. A server answers on 127.0.0.1:5432 as user postgres (trust auth): use it.
#  3. Otherwise install PostgreSQL from Debian packages if needed, start a throw-away server as
#     an ordinary user in a temporary folder on a free port, run the command, and stop it.
# DUALCHECK_TEST_OWN_POSTGRES=1 forces step 3 (used to test this path on a machine with a server).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
py="${DUALCHECK_PYTHON:-$here/.venv/bin/python}"

answers() {  # $1 = SQLAlchemy URL
  "$py" - "$1" <<'PY' >/dev/null 2>&1
import sys
import psycopg
url = sys.argv[1].replace("postgresql+psycopg://", "postgresql://")
psycopg.connect(url, connect_timeout=3).close()
PY
}

if [ -n "${DUALCHECK_TEST_DATABASE_URL:-}" ]; then
  exec "$@"
fi
default_url="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
if [ "${DUALCHECK_TEST_OWN_POSTGRES:-0}" != "1" ] && answers "$default_url"; then
  DUALCHECK_TEST_DATABASE_URL="$default_url" exec "$@"
fi

find_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
bindir=$(find_bindir)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "with-postgres: no PostgreSQL server answers and none is installed; installing Debian's postgresql" >&2
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >&2
  bindir=$(find_bindir)
fi
[ -x "$bindir/initdb" ] || { echo "with-postgres: initdb not found after installing postgresql" >&2; exit 1; }

tmp=$(mktemp -d -t dualcheck-pg.XXXXXX)
port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
run_as=()
if [ "$(id -u)" -eq 0 ]; then
  # PostgreSQL refuses to run as root: run it as an ordinary user.
  pg_user=postgres
  id "$pg_user" >/dev/null 2>&1 || pg_user=nobody
  chown "$pg_user" "$tmp"
  run_as=(runuser -u "$pg_user" --)
fi
cleanup() {
  "${run_as[@]}" "$bindir/pg_ctl" -D "$tmp/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
"${run_as[@]}" "$bindir/initdb" -D "$tmp/data" -A trust -U postgres -E UTF8 >/dev/null
"${run_as[@]}" "$bindir/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w \
  -o "-p $port -k $tmp -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
echo "with-postgres: started a throw-away PostgreSQL server on 127.0.0.1:$port" >&2
export DUALCHECK_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
set +e
"$@"
rc=$?
exit $rc
