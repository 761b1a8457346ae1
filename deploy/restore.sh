#!/usr/bin/env bash
# Restore a backup made by deploy/backup.sh into a NEW database (and, optionally, the uploads).
#
#   deploy/restore.sh [--force] [--owner ROLE] [--env-file FILE]
#                     [--media-archive FILE --media-root DIR] DUMP TARGET
#
# TARGET is the database to create: a URL (postgres://USER[:PASSWORD]@HOST:PORT/NEWNAME), or a
# name: on the server and with the credentials of DATABASE_URL in --env-file (the portal's role
# then needs CREATEDB), else with libpq's defaults (PGHOST, PGUSER, ... or the Unix socket,
# e.g. as `sudo -u postgres`). The database is
# created (through the server's `postgres` database) when it does not exist; an existing EMPTY
# database is used as it is. An existing database with tables in it is refused, unless --force:
# then it is dropped and created again (stop the portal first; nobody may be connected).
# --owner ROLE: the new database and everything restored belong to ROLE (run as a superuser,
# e.g. `sudo -u postgres`); without it they belong to the user who connects.
# --media-archive/--media-root: unpack the uploads tarball into DIR (refused if DIR has files,
# unless --force).
# The restore runs in one transaction: it succeeds completely or leaves an empty database.
set -euo pipefail

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
die() { echo "restore: $1" >&2; exit "${2:-1}"; }
# shellcheck source=deploy/lib.sh
. "$(dirname "$0")/lib.sh"

force=0 owner="" env_file="" media_archive="" media_root="" args=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --force) force=1; shift ;;
    --owner) owner=$2; shift 2 ;;
    --env-file) env_file=$2; shift 2 ;;
    --media-archive) media_archive=$2; shift 2 ;;
    --media-root) media_root=$2; shift 2 ;;
    -h | --help) usage 0 ;;
    -*) echo "restore: unknown option: $1" >&2; usage 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
[[ ${#args[@]} -eq 2 ]] || usage 2
dump=${args[0]} target=${args[1]}
[[ -r $dump ]] || die "cannot read $dump"
[[ -z $media_archive || -n $media_root ]] || die "--media-archive needs --media-root DIR"
[[ -z $media_archive || -r $media_archive ]] || die "cannot read $media_archive"

if [[ -n $env_file && $target != *://* ]]; then
  [[ -r $env_file ]] || die "cannot read $env_file"
  portal=$(env_file_value "$env_file" DATABASE_URL)
  [[ $portal =~ ^(postgres(ql)?://[^/?]*)/([^?]*)(\?.*)?$ ]] ||
    die "no postgres:// DATABASE_URL in $env_file"
  target="${BASH_REMATCH[1]}/$target${BASH_REMATCH[4]}"
fi
split_password "$target"
target=$PG_URL

# The target's name and a connection to the same server's maintenance database.
if [[ $target =~ ^(postgres(ql)?://[^/?]*)/([^?]*)(\?.*)?$ ]]; then
  name=${BASH_REMATCH[3]} query=${BASH_REMATCH[4]}
  maintenance="${BASH_REMATCH[1]}/postgres$query"
elif [[ $target != *://* && $target != */* ]]; then
  name=$target maintenance=postgres
else
  die "TARGET must be postgres://USER@HOST:PORT/NAME or a database name"
fi
# Names go into SQL below: allow only plain identifiers.
[[ $name =~ ^[A-Za-z_][A-Za-z0-9_]{0,62}$ ]] ||
  die "database name must be a plain identifier: '$name'"
[[ -z $owner || $owner =~ ^[A-Za-z_][A-Za-z0-9_]{0,62}$ ]] || die "role must be a plain identifier"
[[ $name != postgres && $name != template0 && $name != template1 ]] ||
  die "refusing to restore into $name"


pg_restore --list "$dump" >/dev/null || die "not a pg_dump custom-format file: $dump"
# The uploads' directory is checked before the database is touched.
media_not_empty=0
if [[ -n $media_archive && -d $media_root && -n $(find "$media_root" -mindepth 1 -print -quit) ]]
then
  [[ $force -eq 1 ]] || die "$media_root is not empty: choose an empty directory or pass --force" 3
  media_not_empty=1
fi

exists=$(sql -d "$maintenance" -c "SELECT 1 FROM pg_database WHERE datname = '$name'")
if [[ $exists == 1 ]]; then
  tables=$(sql -d "$target" -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n
      ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'")
  if [[ $tables -gt 0 ]]; then
    [[ $force -eq 1 ]] || die "database $name exists and is not empty ($tables relations): \
choose a new name, or pass --force to drop and replace it" 3
    echo "dropping the existing database $name (--force)"
    sql -d "$maintenance" -c "DROP DATABASE \"$name\""
    exists=""
  else
    echo "database $name exists and is empty: restoring into it"
  fi
fi
if [[ $exists != 1 ]]; then
  sql -d "$maintenance" -c "CREATE DATABASE \"$name\"${owner:+ OWNER \"$owner\"}
    ENCODING 'UTF8' TEMPLATE template0"
  echo "created database $name${owner:+ owned by $owner}"
fi

started=$(now_ms)
# --no-owner/--no-privileges: the dump's roles need not exist here; --role makes ROLE the owner.
pg_restore --dbname="$target" --no-owner --no-privileges ${owner:+--role="$owner"} \
  --single-transaction --exit-on-error "$dump"
sql -d "$target" -c "ANALYZE"
echo "database restored in $(since "$started")s into $name"

if [[ -n $media_archive ]]; then
  mkdir -p "$media_root"
  [[ $media_not_empty -eq 0 ]] || echo "unpacking over the files in $media_root (--force)"
  started=$(now_ms)
  tar -C "$media_root" -xzf "$media_archive"
  echo "media restored in $(since "$started")s into $media_root"
fi
