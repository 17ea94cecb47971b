#!/usr/bin/env bash
# Starts this machine's PostgreSQL 15 cluster (Debian's postgresql-15, installed but not running)
# and makes a role and a database for Xentree's tests; prints their URL on stdout. Run as root
# (pg_ctlcluster and the postgres superuser). Fails loudly, never quietly: CI treats a
# PostgreSQL run that did not happen as a failure.
#   XENTREE_TEST_DATABASE_URL=$(bash scripts/postgres.sh) go test ./...
set -euo pipefail
ver="${XENTREE_PG_VERSION:-15}" cluster="${XENTREE_PG_CLUSTER:-main}"
role="${XENTREE_PG_ROLE:-xentree}" pass="${XENTREE_PG_PASSWORD:-xentree}" db="${XENTREE_PG_DATABASE:-xentree_test}"
fail() { echo "scripts/postgres.sh: $*" >&2; exit 1; }
command -v pg_ctlcluster >/dev/null || fail "pg_ctlcluster not found: install Debian's postgresql-$ver"
[ "$(id -u)" = 0 ] || fail "run as root: starting the cluster and creating roles needs it"
state=$(pg_lsclusters -h | awk -v v="$ver" -v c="$cluster" '$1 == v && $2 == c {print $4}')
[ -n "$state" ] || fail "no PostgreSQL $ver cluster named $cluster (pg_lsclusters lists none)"
if [ "$state" != online ]; then
  pg_ctlcluster "$ver" "$cluster" start >&2 || fail "pg_ctlcluster $ver $cluster start failed (see /var/log/postgresql/)"
fi
port=$(pg_lsclusters -h | awk -v v="$ver" -v c="$cluster" '$1 == v && $2 == c {print $3}')
for _ in $(seq 1 50); do
  pg_isready -q -h 127.0.0.1 -p "$port" && break
  sleep 0.2
done
pg_isready -q -h 127.0.0.1 -p "$port" || fail "PostgreSQL $ver/$cluster is not accepting connections on port $port"
psql_admin() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$port" "$@"; }
psql_admin -d postgres -v role="$role" -v pass="$pass" <<'SQL' >&2 || fail "cannot create role $role"
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', :'role', :'pass')
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', :'role', :'pass') \gexec
SQL
# C.UTF-8 collation: text sorts by code point, as in SQLite (list order, keyset cursors).
psql_admin -d postgres -v role="$role" -v db="$db" <<'SQL' >&2 || fail "cannot create database $db"
SELECT format('CREATE DATABASE %I OWNER %I TEMPLATE template0 ENCODING ''UTF8'' LOCALE ''C.UTF-8''', :'db', :'role')
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL
url="postgres://$role:$pass@127.0.0.1:$port/$db"
PGPASSWORD="$pass" psql -X -q -h 127.0.0.1 -p "$port" -U "$role" -d "$db" -c 'SELECT 1' >/dev/null \
  || fail "cannot log in to $db as $role"
echo "$url"
