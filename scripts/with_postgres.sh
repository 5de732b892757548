#!/usr/bin/env bash
# Run a command with DATABASE_URL pointing at a PostgreSQL server:
#   1. DATABASE_URL as given, if set;
#   2. else the server on 127.0.0.1:5432 (user postgres), if one answers;
#   3. else a throwaway cluster from the local PostgreSQL binaries, removed afterwards.
set -euo pipefail

if [[ -n "${DATABASE_URL:-}" ]]; then
  exec "$@"
fi

answers() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h 127.0.0.1 -p 5432 -t 3
  else
    .venv/bin/python - <<'PY' 2>/dev/null
import psycopg2
psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres", connect_timeout=3).close()
PY
  fi
}

if answers; then
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/crisisplan"
  exec "$@"
fi

if command -v pg_virtualenv >/dev/null 2>&1; then
  echo "No PostgreSQL on 127.0.0.1:5432: starting a throwaway cluster with pg_virtualenv." >&2
  # pg_virtualenv exports PGHOST/PGPORT/PGUSER/PGPASSWORD and removes the cluster on exit.
  exec pg_virtualenv -- bash -c \
    'export DATABASE_URL="postgres://${PGUSER}:${PGPASSWORD}@${PGHOST:-localhost}:${PGPORT}/crisisplan"; exec "$@"' \
    _ "$@"
fi

echo "PostgreSQL is needed for the tests: install it (apt-get install postgresql) or set DATABASE_URL." >&2
exit 1
