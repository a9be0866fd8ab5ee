-- +goose Up
-- Reference geography needed by the tenant scope (communes come in 00002).
CREATE TABLE regions (
    code text PRIMARY KEY,
    nom  text NOT NULL
);

CREATE TABLE departements (
    code   text PRIMARY KEY,
    nom    text NOT NULL,
    region text NOT NULL REFERENCES regions (code)
);
CREATE INDEX departements_region_idx ON departements (region);

-- Organisations: care structures (CPTS, MSP, ESP, ESS), CPAMs, ARSs, DCGDRs and
-- the national level (docs/rules.md §12). A structure's seat is in one département;
-- an ARS or DCGDR covers one region; a CPAM covers one or more départements
-- (organisation_departements).
CREATE TABLE organisations (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind           text NOT NULL CHECK (kind IN ('structure', 'cpam', 'ars', 'dcgdr', 'national')),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    structure_type text CHECK (structure_type IN ('CPTS', 'MSP', 'ESP', 'ESS')),
    departement    text REFERENCES departements (code),
    region         text REFERENCES regions (code),
    version        integer NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    archived_at    timestamptz,
    CHECK ((kind = 'structure') = (structure_type IS NOT NULL)),
    CHECK (kind <> 'structure' OR departement IS NOT NULL),
    CHECK (kind NOT IN ('ars', 'dcgdr') OR region IS NOT NULL)
);
CREATE UNIQUE INDEX organisations_kind_name_idx ON organisations (kind, lower(name));
CREATE INDEX organisations_departement_idx ON organisations (departement) WHERE kind = 'structure';

CREATE TABLE organisation_departements (
    org_id      bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    departement text NOT NULL REFERENCES departements (code),
    PRIMARY KEY (org_id, departement)
);
CREATE INDEX organisation_departements_dep_idx ON organisation_departements (departement);

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    password_hash text NOT NULL,
    email_mode    text NOT NULL DEFAULT 'instant' CHECK (email_mode IN ('instant', 'digest')),
    disabled_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_idx ON users (email);

CREATE TABLE memberships (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id  bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    role    text NOT NULL CHECK (role IN ('member', 'coordinator', 'referent', 'manager', 'agent', 'director', 'reviewer', 'admin')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, org_id)
);
CREATE INDEX memberships_org_idx ON memberships (org_id);

-- Login attempts, for the rate limit (5 failures in 15 minutes per account and per IP).
CREATE TABLE login_attempts (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email   text NOT NULL,
    ip      text NOT NULL,
    success boolean NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_email_idx ON login_attempts (email, at);
CREATE INDEX login_attempts_ip_idx ON login_attempts (ip, at);

-- scs sessions (github.com/alexedwards/scs/pgxstore). Stays outside row-level security.
CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- +goose Down
DROP TABLE sessions;
DROP TABLE login_attempts;
DROP TABLE memberships;
DROP TABLE users;
DROP TABLE organisation_departements;
DROP TABLE organisations;
DROP TABLE departements;
DROP TABLE regions;
