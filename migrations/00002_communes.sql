-- +goose Up
-- National reference data: EPCI and communes (régions and départements are in
-- 00001). Loaded by refdata.Load from the files embedded in internal/refdata.
-- nom_norm is refdata.Normalize(nom), computed in Go (lower case, accents
-- stripped, punctuation to single spaces): no PostgreSQL extension needed. The
-- search code normalises the user's query with the same function and searches
-- with `nom_norm LIKE $1 || '%'` (text_pattern_ops index, any collation).

CREATE TABLE epci (
    code     text PRIMARY KEY,           -- SIREN
    nom      text NOT NULL,
    nom_norm text NOT NULL,
    type     text NOT NULL DEFAULT ''    -- CC, CA, CU, METRO, MET69
);
CREATE INDEX epci_nom_norm_idx ON epci (nom_norm text_pattern_ops);

CREATE TABLE communes (
    code          text PRIMARY KEY,      -- code INSEE (COG)
    nom           text NOT NULL,
    nom_norm      text NOT NULL,
    departement   text NOT NULL REFERENCES departements (code),
    region        text NOT NULL REFERENCES regions (code),
    population    integer NOT NULL DEFAULT 0,
    codes_postaux text[] NOT NULL DEFAULT '{}',
    epci          text REFERENCES epci (code),
    -- false for a commune that left the COG (merged) but is still referenced
    -- by other rows, so the loader could not delete it; searches filter on it.
    actuelle      boolean NOT NULL DEFAULT true
);
CREATE INDEX communes_nom_norm_idx ON communes (nom_norm text_pattern_ops);
CREATE INDEX communes_departement_idx ON communes (departement);
CREATE INDEX communes_epci_idx ON communes (epci);

-- One row per (postal code, commune), derived from communes.codes_postaux, for
-- prefix search on postal codes (a GIN index on the array cannot do prefixes).
CREATE TABLE commune_codes_postaux (
    code_postal text NOT NULL,
    commune     text NOT NULL REFERENCES communes (code) ON DELETE CASCADE,
    PRIMARY KEY (code_postal, commune)
);
CREATE INDEX commune_codes_postaux_prefix_idx ON commune_codes_postaux (code_postal text_pattern_ops);
CREATE INDEX commune_codes_postaux_commune_idx ON commune_codes_postaux (commune);

-- What reference data is loaded: name -> version (package version, COG and
-- population millésimes, data checksum). Shown to users ("population 2023").
CREATE TABLE refdata_versions (
    name      text PRIMARY KEY,
    version   text NOT NULL,
    loaded_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE refdata_versions;
DROP TABLE commune_codes_postaux;
DROP TABLE communes;
DROP TABLE epci;
