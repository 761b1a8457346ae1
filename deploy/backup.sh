#!/usr/bin/env bash
# Back up the portal: the PostgreSQL database (pg_dump, custom format) and the uploaded files
# (a tarball of MEDIA_ROOT), side by side in one directory with the same time stamp.
#
#   deploy/backup.sh [--env-file FILE] [--database URL|NAME] [--media-root DIR | --no-media]
#                    [--out DIR] [--keep-days N]
#
# The database and MEDIA_ROOT come from the options, else from the environment (DATABASE_URL,
# MEDIA_ROOT), else from --env-file (e.g. /etc/sferum-portal/env). NAME alone means a local
# database reached with libpq's defaults (PGHOST, PGUSER, ... or the Unix socket).
# Writes OUT/sferum-YYYYmmdd-HHMMSS.dump and OUT/sferum-YYYYmmdd-HHMMSS-media.tar.gz (mode 0600:
# they hold minors' personal data), prints their paths last; with --keep-days, deletes this
# script's backups older than N days from OUT. Restore with deploy/restore.sh.
set -euo pipefail

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
die() { echo "backup: $*" >&2; exit 1; }
# shellcheck source=deploy/lib.sh
. "$(dirname "$0")/lib.sh"

env_file="" database="${DATABASE_URL:-}" media_root="${MEDIA_ROOT:-}" out="" keep_days=""
no_media=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --env-file) env_file=$2; shift 2 ;;
    --database) database=$2; shift 2 ;;
    --media-root) media_root=$2; shift 2 ;;
    --no-media) no_media=1; shift ;;
    --out) out=$2; shift 2 ;;
    --keep-days) keep_days=$2; shift 2 ;;
    -h | --help) usage 0 ;;
    *) echo "backup: unknown argument: $1" >&2; usage 2 ;;
  esac
done

if [[ -n $env_file ]]; then
  [[ -r $env_file ]] || die "cannot read $env_file"
  [[ -n $database ]] || database=$(env_file_value "$env_file" DATABASE_URL)
  [[ -n $media_root ]] || media_root=$(env_file_value "$env_file" MEDIA_ROOT)
fi
[[ -n $database ]] || die "no database: pass --database, set DATABASE_URL or use --env-file"
[[ $database == postgres://* || $database == postgresql://* || $database != *://* ]] ||
  die "not a PostgreSQL database: ${database%%://*}://..."
[[ -n $out ]] || out=.
[[ -z $keep_days || $keep_days =~ ^[0-9]+$ ]] || die "--keep-days wants a number of days"
if [[ $no_media -eq 0 ]]; then
  [[ -n $media_root ]] || die "no MEDIA_ROOT: pass --media-root DIR or --no-media"
  # A portal that never received an upload has no MEDIA_ROOT yet: an empty archive says so.
  [[ -d $media_root || ! -e $media_root ]] || die "MEDIA_ROOT is not a directory: $media_root"
fi

split_password "$database"
database=$PG_URL

umask 077
mkdir -p "$out"
stamp=$(date +%Y%m%d-%H%M%S)
dump="$out/sferum-$stamp.dump"
media="$out/sferum-$stamp-media.tar.gz"
trap 'rm -f "$dump.part" "$media.part"' EXIT

started=$(now_ms)
# Custom format: compressed, and pg_restore can restore it into any database name.
pg_dump --format=custom --compress=6 --file="$dump.part" --dbname="$database"
# A dump that pg_restore cannot read is no backup.
pg_restore --list "$dump.part" >/dev/null || die "pg_restore cannot read the dump just written"
mv "$dump.part" "$dump"
echo "database dumped in $(since "$started")s: $(stat -c %s "$dump") bytes"

if [[ $no_media -eq 0 ]]; then
  started=$(now_ms)
  if [[ -d $media_root ]]; then
    tar -C "$media_root" -czf "$media.part" .
  else
    tar -czf "$media.part" -T /dev/null
  fi
  mv "$media.part" "$media"
  echo "media archived in $(since "$started")s: $(tar -tzf "$media" | grep -vc '/$' || true) files"
fi

if [[ -n $keep_days ]]; then
  find "$out" -maxdepth 1 -type f -name 'sferum-*' \( -name '*.dump' -o -name '*-media.tar.gz' \) \
    -mtime +"$keep_days" -print -delete | sed 's/^/deleted old backup: /'
fi

echo "$dump"
[[ $no_media -eq 1 ]] || echo "$media"
