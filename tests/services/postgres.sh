#!/usr/bin/env bash
# A throwaway PostgreSQL server for the warehouse tests (tests/test_warehouse.py), on 127.0.0.1.
#
#   eval "$(bash tests/services/postgres.sh)"        start (or reuse) it; exports SUCCESSGAPS_TEST_PG
#   bash tests/services/postgres.sh stop              stop it and remove its data directory
#
# Idempotent: a server already running in the data directory is reused. Installs Debian's
# postgresql with apt-get when it is missing (as root), runs the server as the postgres user
# (PostgreSQL refuses to run as root), on a free port, in a temporary data directory, with a
# database "successgaps". Prints only the export line on stdout; everything else goes to stderr.
set -euo pipefail

DIR="${SUCCESSGAPS_PG_DIR:-${TMPDIR:-/tmp}/successgaps-pg}"
DB=successgaps
say() { echo "postgres.sh: $*" >&2; }

bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

as_owner() {  # run a server command as the owner of the data directory
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ "${1:-start}" = stop ]; then
    BIN="$(bindir)"
    if [ -n "$BIN" ] && [ -f "$DIR/data/postmaster.pid" ]; then
        as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >&2 || true
    fi
    rm -rf "$DIR"
    exit 0
fi

if [ -z "$(bindir)" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "installing Debian's postgresql (about a minute)..."
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
    else
        say "PostgreSQL is not installed and cannot be installed here (not root): the PostgreSQL tests skip"
        exit 0
    fi
fi
BIN="$(bindir)"
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
fi

if [ -f "$DIR/url" ] && as_owner "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
    echo "export SUCCESSGAPS_TEST_PG=$(cat "$DIR/url")"
    exit 0
fi

rm -rf "$DIR"
mkdir -p "$DIR"
[ "$(id -u)" = 0 ] && chown postgres: "$DIR"
as_owner "$BIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --no-locale >/dev/null
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $PORT -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >&2
as_owner "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB"
URL="postgresql://postgres@127.0.0.1:$PORT/$DB"
echo "$URL" > "$DIR/url"
say "server on 127.0.0.1:$PORT (data in $DIR/data)"
echo "export SUCCESSGAPS_TEST_PG=$URL"
