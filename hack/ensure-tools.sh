#!/usr/bin/env bash
# Makes sure what the build and tests need is installed: a JDK 17+, Maven, PostgreSQL server + client binaries.
# Installs what is missing from Debian packages when running as root with apt-get; otherwise says exactly what
# to install and fails.
set -euo pipefail

missing=()
have_pg_server() {
  if [ -n "${PG_BIN:-}" ]; then [ -x "$PG_BIN/initdb" ]; return; fi
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
have_pg_server || missing+=(postgresql postgresql-contrib)
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
command -v runuser >/dev/null 2>&1 || missing+=(util-linux)
for extra in "$@"; do
  case "$extra" in
    lua) command -v lua5.1 >/dev/null 2>&1 || missing+=(lua5.1) ;;
  esac
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing missing packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts a default cluster on port 5432; the tests start their own servers and do not need it.
  exit 0
fi

cat >&2 <<MSG
Missing: ${missing[*]}
Install them, e.g. on Debian/Ubuntu:
  sudo apt-get update && sudo apt-get install -y ${missing[*]}
PostgreSQL server binaries are looked up in /usr/lib/postgresql/<version>/bin, or in \$PG_BIN.
MSG
exit 1
