#!/usr/bin/env bash
# Makes sure nginx is on this machine for the test of two instances behind a
# reverse proxy (cmd/aci/proxy_test.go, deploy/nginx.conf). Installs Debian's
# nginx package when run as root and it is missing; otherwise says how to
# install it. The test runs its own nginx in the foreground: the system
# service Debian may start on install is not used.
set -euo pipefail
have() { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; }
if have; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "nginx absent : installation du paquet nginx (apt-get)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq nginx >/dev/null
  # Debian may start the system service on install; the test uses its own.
  (command -v systemctl >/dev/null && systemctl stop nginx 2>/dev/null) || true
  have && exit 0
fi
echo "nginx est introuvable (test de deux instances derrière un proxy). Installez-le : sudo apt-get install -y nginx" >&2
exit 1
