#!/usr/bin/env bash
# Start a throw-away PostgreSQL server on loopback for the tests (Debian's packages); prints its URL.
# Usage: url=$(.ci/postgres.sh start DIR PORT);  .ci/postgres.sh stop DIR
set -euo pipefail
action=$1 dir=$2 port=${3:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
as_pg() { if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }
case $action in
  start)
    if [ -z "$bin" ]; then
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
      bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    fi
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-locale >&2
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >&2
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres copilot_test
    echo "postgresql+psycopg://postgres@127.0.0.1:$port/copilot_test"
    ;;
  stop)
    as_pg "$bin/pg_ctl" -D "$dir/data" -m fast stop >&2 || true
    ;;
esac
