-- +goose Up
-- Territories of CPTS (docs/rules.md §2, URPS HDF guide): a CPTS's territory is a set of
-- communes; a commune belongs to at most one CPTS. The UNIQUE constraint on
-- commune_code is the real guard: two concurrent additions of the same commune
-- cannot both commit (the store turns the violation into a clear message
-- naming the holder).
CREATE TABLE territory_communes (
    structure_id bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    commune_code text NOT NULL REFERENCES communes (code),
    added_at     timestamptz NOT NULL DEFAULT now(),
    added_by     bigint REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT territory_communes_commune_key UNIQUE (commune_code),
    PRIMARY KEY (structure_id, commune_code)
);

-- One row per CPTS with an edited territory: its version, for the editor's
-- optimistic locking (docs/rules.md §25: "modifié entre-temps par X, rechargez"),
-- and the row every edit locks first, so edits of one territory are serialised.
CREATE TABLE territories (
    structure_id bigint PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    version      integer NOT NULL DEFAULT 0,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    updated_by   bigint REFERENCES users (id) ON DELETE SET NULL
);

-- History of territory edits, so that tier changes are traceable: who, when,
-- what, population and tier before and after. tier_* is NULL for an empty
-- territory.
CREATE TABLE territory_changes (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    structure_id      bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    at                timestamptz NOT NULL DEFAULT now(),
    user_id           bigint REFERENCES users (id) ON DELETE SET NULL,
    action            text NOT NULL CHECK (action IN ('add', 'remove', 'add_epci')),
    epci              text,
    communes          text[] NOT NULL CHECK (cardinality(communes) > 0),
    skipped           text[] NOT NULL DEFAULT '{}', -- add_epci: communes held by another CPTS
    population_before bigint NOT NULL CHECK (population_before >= 0),
    population_after  bigint NOT NULL CHECK (population_after >= 0),
    tier_before       smallint CHECK (tier_before BETWEEN 1 AND 4),
    tier_after        smallint CHECK (tier_after BETWEEN 1 AND 4),
    version           integer NOT NULL
);
CREATE INDEX territory_changes_structure_idx ON territory_changes (structure_id, at DESC, id DESC);

-- Commune search by INSEE code prefix (communes.code's primary key index
-- follows the database collation and cannot serve prefix ranges).
CREATE INDEX communes_code_pattern_idx ON communes (code text_pattern_ops);

-- +goose Down
DROP INDEX communes_code_pattern_idx;
DROP TABLE territory_changes;
DROP TABLE territories;
DROP TABLE territory_communes;
