#!/usr/bin/env bash
# Installs Debian's postgresql and runs a server of its own on 127.0.0.1:5433, without systemd:
# the external PostgreSQL the cluster suite runs aTES against.
# Idempotent: an installed package or a server already answering is left as it is; when this
# run started the server, it says so (ATES_CI_STARTED_POSTGRES=1), for .ci/run to stop it after.
# Usage (as root): eval "$(.ci/postgres.sh | grep '^export ')"; `.ci/postgres.sh restart` restarts it.
set -euo pipefail

PORT=5433
DATA=/var/lib/ates-ci/postgres
LOG=/var/lib/ates-ci/postgres.log
URL="postgres://ates:ates@127.0.0.1:$PORT/postgres"

bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
as_postgres() { runuser -u postgres -- "$@"; }
ready() { "$(bin_dir)/pg_isready" -q -h 127.0.0.1 -p "$PORT"; }

if [ -z "$(bin_dir)" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
BIN=$(bin_dir)

if [ ! -s "$DATA/PG_VERSION" ]; then
  install -d -o postgres -g postgres -m 0700 /var/lib/ates-ci "$DATA"
  as_postgres "$BIN/initdb" -D "$DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  cat >>"$DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '/var/lib/ates-ci'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
fi

case "${1:-start}" in
  start)
    if ! ready; then
      as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null
      STARTED=1
      as_postgres "$BIN/psql" -q -h /var/lib/ates-ci -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ates') THEN
    CREATE ROLE ates LOGIN CREATEDB PASSWORD 'ates';
  END IF;
END $$;
SQL
    fi
    ;;
  restart) as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 -m fast restart >/dev/null ;;
  stop) as_postgres "$BIN/pg_ctl" -D "$DATA" -w -m fast stop >/dev/null ;;
  *) echo "usage: $0 [start|restart|stop]" >&2; exit 2 ;;
esac

[ "${1:-start}" = stop ] && exit 0
echo "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') is up on 127.0.0.1:$PORT"
echo "export ATES_CLUSTER_POSTGRES_URL=$URL"
[ -n "${STARTED:-}" ] && echo "export ATES_CI_STARTED_POSTGRES=1"
exit 0
