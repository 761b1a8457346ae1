#!/usr/bin/env bash
# `make prod-check`: the portal as production runs it, end to end, on this machine.
#
# A fresh PostgreSQL database; migrate, collectstatic and `check --deploy` with DEBUG=0 and a
# production-like environment; gunicorn (2 workers), a Celery worker and Celery beat as
# background processes against the local PostgreSQL and Redis; then deploy/smoke.py through HTTP
# (login with CSRF, dashboard, a periodic job sent by beat, "recalculate now", reminder e-mails,
# a roster import: all done by the worker); then the processes stop and deploy/backup_check.sh
# round-trips the same database. Everything stops and the database is dropped on failure too;
# the logs of gunicorn, the worker and beat are printed then.
#
# Environment (all optional): PG_URL_BASE (default postgres://postgres@127.0.0.1:5432),
# PROD_CHECK_DB (sferum_ops_check), PROD_CHECK_REDIS (redis://127.0.0.1:6379),
# PROD_CHECK_BROKER_DB / PROD_CHECK_CACHE_DB (Redis db numbers 1 / 2; both are flushed),
# PROD_CHECK_PORT (first free port from 8765), PROD_CHECK_TIMEOUT (seconds per wait, 90),
# PROD_CHECK_SKIP_BACKUP=1, KEEP_DBS=1 (keep the database for a look afterwards).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
BIN=.venv/bin
server=${PG_URL_BASE:-postgres://postgres@127.0.0.1:5432}
db=${PROD_CHECK_DB:-sferum_ops_check}
redis=${PROD_CHECK_REDIS:-redis://127.0.0.1:6379}
broker_db=${PROD_CHECK_BROKER_DB:-1}
cache_db=${PROD_CHECK_CACHE_DB:-2}
timeout=${PROD_CHECK_TIMEOUT:-90}
heartbeat="prod-check: beat heartbeat"  # the one-off periodic job of deploy/smoke.py prepare

# shellcheck source=deploy/lib.sh
. deploy/lib.sh  # now_ms, since, sql

[[ -x $PY ]] || { echo "prod-check: no .venv here: run make install" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/sferum-prod-check.XXXXXX")
phase="start"
declare -A pids=()
timings=()

free_port() {
  "$PY" - "$1" <<'PY'
import socket, sys
port = int(sys.argv[1])
for candidate in range(port, port + 200):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
        try:
            s.bind(("127.0.0.1", candidate))
        except OSError:
            continue
        print(candidate)
        break
else:
    sys.exit("no free port")
PY
}

# Each process leads its own process group (setsid), so that stopping it stops its children
# (gunicorn's workers, the worker's pool) and nothing else.
start() {
  local name=$1
  shift
  setsid "$@" >"$work/$name.log" 2>&1 </dev/null &
  pids[$name]=$!
  echo "  started $name (pid ${pids[$name]}): $*"
}

stop_all() {
  local name pid
  for name in "${!pids[@]}"; do
    pid=${pids[$name]}
    if kill -0 "$pid" 2>/dev/null; then kill -TERM -- "-$pid" 2>/dev/null || true; fi
  done
  for name in "${!pids[@]}"; do
    pid=${pids[$name]}
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "  $name did not stop within 20s: killing it" >&2
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
    unset "pids[$name]"
  done
}

alive() { kill -0 "${pids[$1]}" 2>/dev/null || fail "$1 exited (see its log below)"; }

print_logs() {
  local name
  for name in gunicorn worker beat; do
    [[ -f $work/$name.log ]] || continue
    echo "----- $name log (last 150 lines) -----" >&2
    tail -n 150 "$work/$name.log" >&2
  done
  echo "----- end of logs -----" >&2
}

fail() { echo "PROD CHECK FAILED in '$phase': $*" >&2; exit 1; }

cleanup() {
  local status=$?
  set +e
  stop_all
  if [[ $status -ne 0 ]]; then
    print_logs
    echo "PROD CHECK FAILED in '$phase' (exit $status)" >&2
  fi
  if [[ ${KEEP_DBS:-0} != 1 ]]; then
    sql -d "$server/postgres" -c "DROP DATABASE IF EXISTS \"$db\"" ||
      echo "could not drop $db" >&2
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Runs a phase and records its time.
timed() {
  phase=$1
  shift
  local t
  t=$(now_ms)
  "$@"
  timings+=("$(printf '%-44s %8ss' "$phase" "$(since "$t")")")
  echo "[$(since "$t_total")s] $phase: ok"
}

wait_until() {
  local what=$1 deadline=$(($(date +%s) + timeout))
  shift
  until "$@" >/dev/null 2>&1; do
    [[ $(date +%s) -lt $deadline ]] || fail "timed out after ${timeout}s waiting for $what"
    for name in "${!pids[@]}"; do alive "$name"; done
    sleep 0.5
  done
}

healthy() {
  local body
  body=$(curl -sf --max-time 5 "http://127.0.0.1:$port/healthz") || return 1
  [[ $body == *'"db": "ok"'* && $body == *'"broker": "ok"'* ]]
}

t_total=$(now_ms)
port=${PROD_CHECK_PORT:-$(free_port 8765)}
mkdir -p "$work/mail" "$work/media"

# The production environment; these override a .env file and the caller's environment.
export DEBUG=0
SECRET_KEY="prod-check-$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1,localhost
export CSRF_TRUSTED_ORIGINS="https://127.0.0.1:$port,https://localhost:$port"
export PORTAL_BASE_URL="https://127.0.0.1:$port"
export DATABASE_URL="$server/$db"
export CONN_MAX_AGE=60
export CELERY_BROKER_URL="$redis/$broker_db"
export CACHE_URL="rediscache://${redis#redis://}/$cache_db"
# django-environ drops the first slash of the path: four slashes make an absolute one.
export EMAIL_URL="filemail:///$work/mail"
export DEFAULT_FROM_EMAIL="Портал «Сферум» <sferum@localhost>"
export MEDIA_ROOT="$work/media"
export SECURE_SSL_REDIRECT=1
export RATE_LIMIT_TRUST_FORWARDED_FOR=auto
export LOG_LEVEL=INFO
export PYTHONUNBUFFERED=1
# The rest at their production defaults, whatever the caller has set.
unset CELERY_RESULT_BACKEND DJANGO_SETTINGS_MODULE SECURE_HSTS_SECONDS \
  SECURE_HSTS_INCLUDE_SUBDOMAINS SECURE_HSTS_PRELOAD SESSION_COOKIE_AGE \
  INVITE_RATE_LIMIT_PER_MINUTE ROSTER_MAX_UPLOAD_MB ROSTER_FILE_RETENTION_DAYS DEMO_PASSWORD
export SMOKE_TIMEOUT=$timeout

echo "prod-check: database $db, broker $CELERY_BROKER_URL, cache $CACHE_URL, port $port"
echo "            work directory $work"

fresh_database() {
  sql -d "$server/postgres" -c "DROP DATABASE IF EXISTS \"$db\""
  sql -d "$server/postgres" -c "CREATE DATABASE \"$db\""
  redis-cli -u "$redis/$broker_db" flushdb >/dev/null
  redis-cli -u "$redis/$cache_db" flushdb >/dev/null
}
timed "fresh database, Redis dbs flushed" fresh_database
timed "migrate" "$PY" manage.py migrate --noinput -v 0
timed "collectstatic" "$PY" manage.py collectstatic --noinput -v 0
timed "check --deploy (no warnings)" "$PY" manage.py check --deploy --fail-level WARNING
timed "seed_demo (this throwaway database only)" "$PY" manage.py seed_demo -v 0
timed "heartbeat job for beat" "$PY" deploy/smoke.py prepare

start_processes() {
  start gunicorn "$BIN/gunicorn" sferum_portal.wsgi:application --bind "127.0.0.1:$port" \
    --workers 2 --timeout 60 --graceful-timeout 10 --error-logfile - --no-control-socket
  start worker "$BIN/celery" -A sferum_portal worker --loglevel INFO --concurrency 2 \
    --hostname "prod-check-$$@%h"
  start beat "$BIN/celery" -A sferum_portal beat --loglevel INFO \
    --scheduler django_celery_beat.schedulers:DatabaseScheduler --pidfile "$work/beat.pid"
}
timed "start gunicorn, worker, beat" start_processes
timed "/healthz: db ok, broker ok" wait_until "/healthz to report db and broker ok" healthy
timed "worker ready" wait_until "the worker to be ready" grep -q "ready\." "$work/worker.log"
timed "beat started" wait_until "beat to start" grep -q "beat: Starting" "$work/beat.log"
timed "HTTP smoke test" "$PY" deploy/smoke.py run --port "$port" --mail-dir "$work/mail"

check_logs() {
  for name in "${!pids[@]}"; do alive "$name"; done
  grep -q "Sending due task $heartbeat" "$work/beat.log" || fail "beat never sent '$heartbeat'"
  grep -q "Task stats.tasks.rollup_stats\[.*\] succeeded" "$work/worker.log" ||
    fail "the worker log shows no rollup that succeeded"
  # Errors that did not fail a request still count.
  if grep -nE "Traceback|ERROR|CRITICAL" "$work"/{gunicorn,worker,beat}.log; then
    fail "errors in the logs above"
  fi
}
timed "processes alive, no errors in their logs" check_logs

stop_processes() {
  stop_all
  grep -q "Shutting down" "$work/gunicorn.log" || fail "gunicorn did not shut down cleanly"
}
timed "stop gunicorn, worker, beat" stop_processes

if [[ ${PROD_CHECK_SKIP_BACKUP:-0} != 1 ]]; then
  phase="backup round trip"
  echo "[$(since "$t_total")s] backup round trip of $db:"
  # Roster files are deleted once imported: an upload as the order file would be, so that the
  # round trip has files to compare too.
  mkdir -p "$MEDIA_ROOT/orders/prod-check"
  head -c 200000 /dev/urandom >"$MEDIA_ROOT/orders/prod-check/приказ №46-од.pdf"
  t=$(now_ms)
  deploy/backup_check.sh --source "$db" --media-root "$MEDIA_ROOT" 2>&1 | sed 's/^/  /'
  timings+=("$(printf '%-44s %8ss' "$phase" "$(since "$t")")")
fi

phase="summary"
echo
echo "prod-check timings:"
printf '  %s\n' "${timings[@]}"
echo "prod_check_total_seconds=$(since "$t_total")"
echo "prod-check: OK"
