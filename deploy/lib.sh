# shellcheck shell=bash
# Shared by the scripts in deploy/ (sourced, not run).

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# Seconds since a now_ms, as 1.234 (integer arithmetic: no bc, no locale decimal comma).
since() { local ms=$(($(now_ms) - $1)); printf '%d.%03d' $((ms / 1000)) $((ms % 1000)); }

# KEY=value from a systemd EnvironmentFile, without running it through the shell (values such
# as DEFAULT_FROM_EMAIL contain <, > and spaces). The last assignment wins, as in systemd.
env_file_value() {
  local file=$1 key=$2 line value=""
  while IFS= read -r line || [[ -n $line ]]; do
    line=${line#"${line%%[![:space:]]*}"}
    [[ $line == "$key="* ]] || continue
    value=${line#"$key="}
    if [[ $value == \"*\" || $value == \'*\' ]]; then value=${value:1:${#value}-2}; fi
  done <"$file"
  printf '%s' "$value"
}

# Sets PG_URL to the URL without its password and exports the (percent-decoded) password as
# PGPASSWORD, which libpq reads: a password on a command line is visible to every local user.
split_password() {
  PG_URL=$1
  if [[ $PG_URL =~ ^(postgres(ql)?://)([^:@/]*):([^@/]*)@(.*)$ ]]; then
    local encoded=${BASH_REMATCH[4]}
    PGPASSWORD=$(printf '%b' "${encoded//%/\\x}")
    export PGPASSWORD
    PG_URL="${BASH_REMATCH[1]}${BASH_REMATCH[3]}@${BASH_REMATCH[5]}"
  fi
}

# psql for scripts: no ~/.psqlrc, unaligned output, stop at the first error, no NOTICEs.
sql() {
  PGOPTIONS="-c client_min_messages=warning" psql --no-psqlrc -X -q -At -v ON_ERROR_STOP=1 "$@"
}
