#!/usr/bin/env bash
# Installs Debian's clickhouse-server (18.16) and runs it on 127.0.0.1:8123 without systemd.
# Idempotent: an installed package or a server already answering /ping is left as it is.
# Usage (as root): eval "$(.ci/clickhouse.sh | grep '^export ')"
set -euo pipefail

URL=http://127.0.0.1:8123
CONF=/etc/clickhouse-server/config.xml
LOG=/var/log/clickhouse-server/stdout.log

ping_ok() { [ "$(curl -s --max-time 2 "$URL/ping" || true)" = "Ok." ]; }

if ! ping_ok; then
  if [ ! -x /usr/sbin/clickhouse-server ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends clickhouse-server clickhouse-client >/dev/null
  fi

  # Loopback only; the packaged config otherwise listens on every interface it may.
  mkdir -p /etc/clickhouse-server/config.d
  cat >/etc/clickhouse-server/config.d/ates.xml <<'XML'
<?xml version="1.0"?>
<yandex>
    <listen_host>127.0.0.1</listen_host>
    <timezone>UTC</timezone>
</yandex>
XML

  # The package's unit needs systemd; run the binary the way its init script would.
  start-stop-daemon --start --quiet --oknodo --background --chuid clickhouse:clickhouse \
    --exec /usr/sbin/clickhouse-server -- --config="$CONF" >>"$LOG" 2>&1

  for _ in $(seq 1 60); do
    ping_ok && break
    sleep 0.5
  done
  if ! ping_ok; then
    echo "clickhouse-server did not answer $URL/ping; last log lines:" >&2
    tail -n 30 /var/log/clickhouse-server/clickhouse-server.err.log "$LOG" >&2 || true
    exit 1
  fi
fi

echo "clickhouse-server $(curl -s "$URL/?query=SELECT%20version()") is up on $URL"
echo "export CLICKHOUSE_URL=$URL"
