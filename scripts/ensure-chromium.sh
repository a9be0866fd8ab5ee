#!/usr/bin/env bash
# Makes sure a headless Chromium is on this machine for the browser tests and
# the contract PDFs. Installs Debian's chromium package when run as root and it
# is missing; otherwise says how to install it.
set -euo pipefail
for b in chromium chromium-browser google-chrome; do
  command -v "$b" >/dev/null 2>&1 && exit 0
done
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Chromium absent : installation du paquet chromium (apt-get)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
  command -v chromium >/dev/null 2>&1 && exit 0
fi
echo "Chromium est introuvable (tests de navigateur, PDF des contrats). Installez-le : sudo apt-get install -y chromium" >&2
exit 1
