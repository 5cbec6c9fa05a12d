#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests of the PostgreSQL store (docs/postgres.md).
#
#   eval "$(scripts/pg-test-server.sh start)"   # exports CLOUDTWIN_TEST_PG and CLOUDTWIN_TEST_PG_DIR
#   scripts/pg-test-server.sh stop "$CLOUDTWIN_TEST_PG_DIR"
#
# initdb and postgres refuse to run as root (which CI is): as root the server runs as an
# unprivileged user made here when missing (cloudtwin-pg). Its data, socket and log are in a new
# temporary directory; it listens on a free loopback port and requires a password over TCP, so
# the tests can check wrong credentials, and takes TLS with a certificate signed by a CA made
# here. Needs PostgreSQL's server binaries (Debian: postgresql) and openssl.
set -euo pipefail

PG_USER=${CLOUDTWIN_PG_OS_USER:-cloudtwin-pg}
DB_USER=cloudtwin
DB_PASSWORD=twin-test-password
DB_NAME=cloudtwin

bindir() {
  # pg_ctl on the PATH may be a lone link (createdb is not always beside it): its real directory.
  local d=
  command -v pg_ctl >/dev/null && d=$(dirname "$(readlink -f "$(command -v pg_ctl)")")
  [ -n "$d" ] && [ -x "$d/createdb" ] || d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$d" ] && [ -x "$d/initdb" ] || { echo "no PostgreSQL server binaries (initdb, pg_ctl): apt-get install postgresql" >&2; exit 1; }
  echo "$d"
}

# Run a command as the server's user (as that user already when not root).
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$PG_USER" -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  local bin dir port
  bin=$(bindir)
  if [ "$(id -u)" = 0 ] && ! id "$PG_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
  fi
  dir=$(mktemp -d "${TMPDIR:-/tmp}/cloudtwin-pg.XXXXXX")
  chmod 755 "$dir"
  [ "$(id -u)" = 0 ] && chown "$PG_USER" "$dir"
  printf '%s\n' "$DB_PASSWORD" >"$dir/pwfile"
  [ "$(id -u)" = 0 ] && chown "$PG_USER" "$dir/pwfile"
  as_pg "$bin/initdb" -D "$dir/data" -U "$DB_USER" --pwfile="$dir/pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  rm -f "$dir/pwfile"
  # TLS for the sslmode=require tests: a CA made here signs the server's certificate for
  # 127.0.0.1; the tests trust it through sslrootcert (CLOUDTWIN_TEST_PG_CA).
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=cloudtwin-test-ca -keyout "$dir/ca.key" -out "$dir/ca.pem" >/dev/null 2>&1
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=127.0.0.1 \
    -keyout "$dir/server.key" -out "$dir/server.csr" >/dev/null 2>&1
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$dir/san.ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
    -extfile "$dir/san.ext" -out "$dir/server.crt" >/dev/null 2>&1
  chmod 600 "$dir/server.key"
  [ "$(id -u)" = 0 ] && chown "$PG_USER" "$dir/server.key" "$dir/server.crt"
  port=$(free_port)
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200 -c fsync=off -c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key" start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
  as_pg "$bin/createdb" -h "$dir" -p "$port" -U "$DB_USER" "$DB_NAME"
  echo "export CLOUDTWIN_TEST_PG=postgres://$DB_USER:$DB_PASSWORD@127.0.0.1:$port/$DB_NAME"
  echo "export CLOUDTWIN_TEST_PG_DIR=$dir"
  echo "export CLOUDTWIN_TEST_PG_CA=$dir/ca.pem"
}

stop() {
  local dir=${1:-${CLOUDTWIN_TEST_PG_DIR:-}}
  [ -n "$dir" ] && [ -d "$dir/data" ] || { echo "usage: $0 stop DIR (the CLOUDTWIN_TEST_PG_DIR that start printed)" >&2; exit 1; }
  as_pg "$(bindir)/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
