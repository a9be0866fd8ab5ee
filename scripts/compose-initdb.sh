#!/bin/sh
# Run once by the postgres image when docker compose first initialises its volume
# (/docker-entrypoint-initdb.d): the two roles of Portail ACI (docs/rules.md §36).
#   aci_owner  owns the database and its schema; aci migrate and aci seed connect as it
#   aci_app    serves (aci serve): owns nothing, no SUPERUSER, no BYPASSRLS
# aci migrate grants aci_app what serving needs after each migration.
set -eu
: "${ACI_OWNER_PASSWORD:?set ACI_OWNER_PASSWORD}" "${ACI_APP_PASSWORD:?set ACI_APP_PASSWORD}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
	-v owner_pw="$ACI_OWNER_PASSWORD" -v app_pw="$ACI_APP_PASSWORD" <<'SQL'
CREATE ROLE aci_owner LOGIN PASSWORD :'owner_pw' NOSUPERUSER NOBYPASSRLS NOCREATEROLE;
CREATE ROLE aci_app LOGIN PASSWORD :'app_pw' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
CREATE DATABASE aci OWNER aci_owner;
SQL
