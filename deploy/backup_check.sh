#!/usr/bin/env bash
# The backup round trip, checked: dump a portal database with deploy/backup.sh, restore it with
# deploy/restore.sh into a new database, and compare the exact row count of EVERY table of the
# public schema (and every sequence's position, so that new rows get new ids); any difference
# or missing table fails. Also: restore.sh must refuse a non-empty database without --force, the
# uploads must come back byte for byte, and the restored database must need no migration.
#
#   deploy/backup_check.sh [--source NAME] [--media-root DIR]
#
# --source: an existing database to back up (left as it is; nothing may write to it meanwhile).
# Without it, a fresh database with the demo data and its statistics is built and dropped.
# Environment: PG_URL_BASE (default postgres://postgres@127.0.0.1:5432, a role that may create
# databases), BACKUP_CHECK_SOURCE_DB / BACKUP_CHECK_TARGET_DB (default sferum_ops_backup_src /
# sferum_ops_restore; the target is dropped first if it exists), KEEP_DBS=1 keeps them.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=deploy/lib.sh
. deploy/lib.sh  # now_ms, since, sql
fail() { echo "BACKUP CHECK FAILED: $*" >&2; exit 1; }

server=${PG_URL_BASE:-postgres://postgres@127.0.0.1:5432}
source_db="" media_root=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --source) source_db=$2; shift 2 ;;
    --media-root) media_root=$2; shift 2 ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "backup_check: unknown argument: $1" >&2; exit 2 ;;
  esac
done
target_db=${BACKUP_CHECK_TARGET_DB:-sferum_ops_restore}
build_source=0
if [[ -z $source_db ]]; then
  source_db=${BACKUP_CHECK_SOURCE_DB:-sferum_ops_backup_src}
  build_source=1
fi
[[ $source_db != "$target_db" ]] || fail "source and target are the same database"
PY=.venv/bin/python
[[ -x $PY ]] || fail "no .venv: run make install"

work=$(mktemp -d "${TMPDIR:-/tmp}/sferum-backup-check.XXXXXX")
drop_db() { sql -d "$server/postgres" -c "DROP DATABASE IF EXISTS \"$1\""; }
cleanup() {
  local status=$?
  if [[ ${KEEP_DBS:-0} != 1 ]]; then
    drop_db "$target_db" || true
    [[ $build_source -eq 0 ]] || drop_db "$source_db" || true
  fi
  rm -rf "$work"
  [[ $status -eq 0 ]] || echo "backup check: failed (exit $status)" >&2
}
trap cleanup EXIT

t_total=$(now_ms)
drop_db "$target_db"
if [[ $build_source -eq 1 ]]; then
  t=$(now_ms)
  drop_db "$source_db"
  sql -d "$server/postgres" -c "CREATE DATABASE \"$source_db\""
  DATABASE_URL="$server/$source_db" $PY manage.py migrate --noinput -v 0
  DATABASE_URL="$server/$source_db" $PY manage.py seed_demo >/dev/null
  DATABASE_URL="$server/$source_db" $PY manage.py rollup_stats >/dev/null
  echo "source database $source_db built (migrate, seed_demo, rollup_stats) in $(since "$t")s"
fi
if [[ -z $media_root ]]; then
  # Uploads to prove the file side of the round trip: nested, binary, a name with spaces.
  media_root="$work/media"
  mkdir -p "$media_root/orders/2025" "$media_root/roster"
  head -c 300000 /dev/urandom >"$media_root/orders/2025/приказ 46-од.pdf"
  printf 'external_id;last_name\n1;Иванов\n' >"$media_root/roster/upload.csv"
fi

# Row counts of every table of the public schema and every sequence's position, one a line.
inventory() {
  local db=$1 query
  query=$(sql -d "$server/$db" -c "SELECT string_agg(format(
      'SELECT %L AS name, count(*) AS n FROM public.%I', table_name, table_name), ' UNION ALL ')
    FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")
  [[ -n $query ]] || return 0
  sql -F ' ' -d "$server/$db" -c "SELECT 'table', name, n FROM ($query) t ORDER BY name"
  sql -F ' ' -d "$server/$db" -c "SELECT 'sequence', sequencename, coalesce(last_value, 0)
    FROM pg_sequences WHERE schemaname = 'public' ORDER BY sequencename"
}

before=$(inventory "$source_db")
tables=$(grep -c '^table ' <<<"$before" || true)
rows=$(awk '$1 == "table" { s += $3 } END { print s + 0 }' <<<"$before")
[[ $tables -gt 0 && $rows -gt 0 ]] || fail "the source database $source_db has no rows to back up"

# As cron runs it in production: everything from the portal's environment file.
cat >"$work/env" <<ENV
# as /etc/sferum-portal/env
DATABASE_URL=$server/$source_db
DEFAULT_FROM_EMAIL=Портал «Сферум» <portal@school.example.org>
MEDIA_ROOT=$media_root
ENV
t=$(now_ms)
out=$(deploy/backup.sh --env-file "$work/env" --out "$work/backups")
while IFS= read -r line; do echo "  backup: $line"; done <<<"$out"
dump=$(grep '\.dump$' <<<"$out")
media=$(grep -- '-media\.tar\.gz$' <<<"$out")
[[ -s $dump && -s $media ]] || fail "backup.sh did not name its dump and media archive"
t_backup=$(since "$t")

# The guard: the source is an existing, non-empty database; without --force it stays untouched.
set +e
guard=$(deploy/restore.sh "$dump" "$server/$source_db" 2>&1)
guard_status=$?
set -e
[[ $guard_status -eq 3 ]] ||
  fail "restore.sh into a non-empty database without --force exited $guard_status, not 3: $guard"
grep -q 'is not empty' <<<"$guard" || fail "restore.sh refused without saying why: $guard"
echo "  guard: restore into the non-empty $source_db refused (exit 3), as it must"

t=$(now_ms)
# A bare name: the server and credentials of DATABASE_URL in the environment file.
deploy/restore.sh --env-file "$work/env" --media-archive "$media" \
  --media-root "$work/media-restored" "$dump" "$target_db" | sed 's/^/  restore: /'
t_restore=$(since "$t")

t=$(now_ms)
after=$(inventory "$target_db")
if [[ $before != "$after" ]]; then
  echo "row counts differ (source $source_db | restored $target_db):" >&2
  join -j1 -a1 -a2 -e MISSING -o 0,1.2,2.2 \
    <(awk '{ print $1 ":" $2, $3 }' <<<"$before" | sort) \
    <(awk '{ print $1 ":" $2, $3 }' <<<"$after" | sort) |
    awk '$2 != $3 { printf "  %-60s %12s | %s\n", $1, $2, $3 }' >&2
  fail "the restored database differs from its source"
fi
sequences=$(grep -c '^sequence ' <<<"$before" || true)
diff -r "$media_root" "$work/media-restored" >/dev/null ||
  fail "the restored uploads differ from $media_root"
files=$(find "$media_root" -type f | wc -l)
migrations=$(DATABASE_URL="$server/$target_db" $PY manage.py migrate --check --noinput 2>&1) ||
  fail "the restored database needs migrations: $migrations"
t_compare=$(since "$t")

echo "backup check: OK — $tables tables, $rows rows and $sequences sequences identical after" \
  "the round trip; $files uploaded files identical"
echo "backup_check_backup_seconds=$t_backup"
echo "backup_check_restore_seconds=$t_restore"
echo "backup_check_compare_seconds=$t_compare"
echo "backup_check_dump_bytes=$(stat -c %s "$dump")"
echo "backup_check_tables=$tables"
echo "backup_check_rows=$rows"
echo "backup_check_total_seconds=$(since "$t_total")"
