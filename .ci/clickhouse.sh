#!/usr/bin/env bash
# Installs Debian's clickhouse-server (18.16) and runs it on 127.0.0.1:8123 without systemd.
# Idempotent: an installed package or a server already answering /ping is left as it is; when
# this run started the server, it says so (ATES_CI_STARTED_CLICKHOUSE=1), for .ci/run to stop it.
# Usage (as root): eval "$(.ci/clickhouse.sh | grep '^export ')"; `.ci/clickhouse.sh stop` stops it.
set -euo pipefail

URL=http://127.0.0.1:8123
CONF=/etc/clickhouse-server/config.xml
PIDFILE=/run/clickhouse-server.pid
OUT=/var/log/clickhouse-server/stdout.log

ping_ok() { [ "$(curl -s --max-time 2 "$URL/ping" || true)" = "Ok." ]; }

if [ "${1:-start}" = stop ]; then
  start-stop-daemon --stop --quiet --oknodo --retry 30 --pidfile "$PIDFILE"
  exit 0
fi

if ! ping_ok; then
  if [ ! -x /usr/sbin/clickhouse-server ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends clickhouse-server clickhouse-client >/dev/null
  fi

  # IPv4 loopback only, and UTC whatever the host's zone (the suite compares dates with chDB in UTC).
  mkdir -p /etc/clickhouse-server/config.d
  cat >/etc/clickhouse-server/config.d/ates.xml <<'XML'
<?xml version="1.0"?>
<yandex>
    <listen_host>127.0.0.1</listen_host>
    <timezone>UTC</timezone>
</yandex>
XML

  # The package's unit needs systemd; run the binary the way its init script would.
  install -d -o clickhouse -g clickhouse /var/lib/clickhouse /var/log/clickhouse-server
  start-stop-daemon --start --quiet --oknodo --background --chuid clickhouse:clickhouse \
    --make-pidfile --pidfile "$PIDFILE" --output "$OUT" \
    --exec /usr/sbin/clickhouse-server -- --config="$CONF"

  for _ in $(seq 1 60); do
    ping_ok && break
    kill -0 "$(cat "$PIDFILE")" 2>/dev/null || break
    sleep 0.5
  done
  if ! ping_ok; then
    echo "clickhouse-server did not answer $URL/ping; its output:" >&2
    tail -n 30 "$OUT" /var/log/clickhouse-server/clickhouse-server.err.log >&2 || true
    exit 1
  fi
  STARTED=1
fi

echo "clickhouse-server $(curl -s "$URL/?query=SELECT%20version()") is up on $URL"
echo "export CLICKHOUSE_URL=$URL"
[ -n "${STARTED:-}" ] && echo "export ATES_CI_STARTED_CLICKHOUSE=1"
exit 0
