#!/usr/bin/env bash
# Makes sure the PostgreSQL server binaries (initdb, pg_ctl, postgres) are on
# this machine. Installs Debian's postgresql package when run as root and they
# are missing; otherwise says how to install them.
set -euo pipefail
have() {
  command -v initdb >/dev/null 2>&1 && return 0
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && return 0
  ls /usr/pgsql-*/bin/initdb >/dev/null 2>&1 && return 0
  return 1
}
if have; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "PostgreSQL absent : installation du paquet postgresql (apt-get)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
  # Debian starts a system cluster on install; we use our own private one.
  (command -v pg_ctlcluster >/dev/null && pg_lsclusters -h 2>/dev/null | awk '{print $1, $2}' | while read -r v n; do pg_ctlcluster "$v" "$n" stop || true; done) || true
  have && exit 0
fi
echo "PostgreSQL (initdb, pg_ctl) est introuvable. Installez-le : sudo apt-get install -y postgresql" >&2
exit 1
