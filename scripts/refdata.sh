#!/usr/bin/env bash
# Regenerates internal/refdata/data from the npm package
# @etalab/decoupage-administratif (MIT). Called by `make refdata`.
#   bash scripts/refdata.sh            # the version pinned below
#   REFDATA_VERSION=latest bash scripts/refdata.sh
# When changing the version, update COG_YEAR and POPULATION_YEAR from the
# package README ("Millésimes et versions de package" and "Population légale").
set -euo pipefail

VERSION="${REFDATA_VERSION:-6.0.0}"
COG_YEAR="${REFDATA_COG_YEAR:-2026}"
POPULATION_YEAR="${REFDATA_POPULATION_YEAR:-2023}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "@etalab/decoupage-administratif@${VERSION}" >/dev/null)
tar -xzf "$tmp"/etalab-decoupage-administratif-*.tgz -C "$tmp"

cd "$root"
go run ./internal/refdata/gen -src "$tmp/package" -out internal/refdata/data \
	-cog-year "$COG_YEAR" -population-year "$POPULATION_YEAR"
