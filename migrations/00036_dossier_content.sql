-- +goose Up
-- Content of a dossier (docs/rules.md §15): the texts,
-- the chosen missions and the indicators a structure writes while its
-- dossier is being prepared (docs/rules.md §4, §6, §9, §10). The signed PDFs are
-- documents (documents area), not this. One row per dossier, created on the
-- first save. Each section has its own version (optimistic locking, docs/rules.md
-- §25: two sections edited in two tabs do not conflict) and its own
-- "dernière modification"; content_version counts every save (the contract
-- area prints the version it used).
CREATE TABLE dossier_content (
    dossier_id           bigint PRIMARY KEY REFERENCES dossiers (id),
    -- CPTS only: lettre d'intention (docs/rules.md §1, §10)
    lettre_intention     text NOT NULL DEFAULT '' CHECK (length(lettre_intention) <= 20000),
    lettre_version       integer NOT NULL DEFAULT 0,
    lettre_updated_at    timestamptz,
    lettre_updated_by    bigint REFERENCES users (id) ON DELETE SET NULL,
    -- projet de santé: summary (for a CPTS, with the territorial diagnosis)
    projet_sante         text NOT NULL DEFAULT '' CHECK (length(projet_sante) <= 50000),
    projet_version       integer NOT NULL DEFAULT 0,
    projet_updated_at    timestamptz,
    projet_updated_by    bigint REFERENCES users (id) ON DELETE SET NULL,
    -- CPTS: chosen missions (funding.Mission codes; fonctionnement implicit)
    missions             text[] NOT NULL DEFAULT '{}' CHECK (missions <@ ARRAY['acces', 'parcours', 'prevention', 'crise', 'qualite', 'accompagnement']),
    missions_saved       boolean NOT NULL DEFAULT false,
    missions_version     integer NOT NULL DEFAULT 0,
    missions_updated_at  timestamptz,
    missions_updated_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    indicators_version   integer NOT NULL DEFAULT 0,
    indicators_updated_at timestamptz,
    indicators_updated_by bigint REFERENCES users (id) ON DELETE SET NULL,
    -- MSP: chosen barème indicators and patientèle médecin traitant (docs/rules.md §9);
    -- ESP: coordinated patients and patientèle médecin traitant (docs/rules.md §9)
    msp_indicators       text[] NOT NULL DEFAULT '{}' CHECK (cardinality(msp_indicators) <= 200),
    patientele           integer CHECK (patientele BETWEEN 0 AND 10000000),
    esp_patients         integer CHECK (esp_patients BETWEEN 0 AND 10000000),
    patientele_version   integer NOT NULL DEFAULT 0,
    patientele_updated_at timestamptz,
    patientele_updated_by bigint REFERENCES users (id) ON DELETE SET NULL,
    content_version      integer NOT NULL DEFAULT 0,
    content_updated_at   timestamptz,
    content_updated_by   bigint REFERENCES users (id) ON DELETE SET NULL
);

-- Indicators of a CPTS dossier (docs/rules.md §6): the five mandatory ones
-- (funding.MandatoryCPTSIndicators, not removable) and the others. Values are
-- integers in the indicator's unit (funding.Measure). targets[1..5] are the
-- yearly targets; decision: a single target (only targets[1] given) applies
-- to the five years.
CREATE TABLE dossier_indicators (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dossier_id  bigint NOT NULL REFERENCES dossiers (id),
    code        text NOT NULL CHECK (code ~ '^[a-z0-9_]{1,64}$'),
    mission     text NOT NULL CHECK (mission IN ('acces', 'parcours', 'prevention', 'qualite', 'accompagnement')),
    label       text NOT NULL CHECK (length(label) BETWEEN 1 AND 500),
    direction   text NOT NULL CHECK (direction IN ('croissant', 'decroissant')),
    baseline    bigint,
    targets     bigint[] NOT NULL DEFAULT '{}' CHECK (cardinality(targets) <= 5),
    weight      integer NOT NULL DEFAULT 1 CHECK (weight BETWEEN 1 AND 100),
    unit        text NOT NULL DEFAULT '' CHECK (length(unit) <= 50),
    mandatory   boolean NOT NULL DEFAULT false,
    position    integer NOT NULL DEFAULT 0,
    UNIQUE (dossier_id, code)
);
CREATE INDEX dossier_indicators_dossier_idx ON dossier_indicators (dossier_id, position, id);

-- +goose Down
DROP TABLE dossier_indicators;
DROP TABLE dossier_content;
