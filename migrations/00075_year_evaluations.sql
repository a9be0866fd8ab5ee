-- +goose Up
-- The yearly evaluation of a contract (docs/rules.md §6, §29): for a CPTS each
-- contract year (year 1..5), for an MSP each civil year (year = 2025...).
--
-- year_evaluations: one per contract and year, the structure's declaration
-- (draft, then submitted) and the shared space of the dialogue de gestion
-- (agenda). year_values: one per indicator, the declared value (in its unit:
-- a count, hundredths of a percent, or 1/0 for an MSP indicator met or not)
-- with its comment, and the CPAM's validated value with the reason of a
-- correction; each row has its version so that two referents validating
-- the same value at once are one success and one conflict. year_files: the
-- evidence files of a value, the minutes' attachments (stored_files).
-- year_questions: the questions of either side. year_meetings: the recorded
-- dialogue de gestion. year_corrections: after closing, a new evaluation
-- record by the CPAM manager (its adjustment payments carry
-- rule_key 'ajustement:<id>').
CREATE TABLE year_evaluations (
    contract_id       bigint NOT NULL REFERENCES contracts (id),
    year              integer NOT NULL CHECK (year BETWEEN 1 AND 5 OR year BETWEEN 2000 AND 2200),
    status            text NOT NULL DEFAULT 'brouillon' CHECK (status IN ('brouillon', 'soumise')),
    version           integer NOT NULL DEFAULT 1,
    agenda            text NOT NULL DEFAULT '' CHECK (length(agenda) <= 5000),
    updated_at        timestamptz NOT NULL,
    submitted_at      timestamptz,
    submitted_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    submitted_by_name text NOT NULL DEFAULT '' CHECK (length(submitted_by_name) <= 200),
    PRIMARY KEY (contract_id, year),
    CHECK ((status = 'soumise') = (submitted_at IS NOT NULL))
);

CREATE TABLE year_values (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contract_id       bigint NOT NULL,
    year              integer NOT NULL,
    code              text NOT NULL CHECK (code ~ '^[a-z0-9_]{1,64}$'),
    unit              text NOT NULL CHECK (unit IN ('nombre', 'pourcentage', 'atteint')),
    declared          bigint CHECK (declared >= 0 AND (unit <> 'pourcentage' OR declared <= 10000) AND (unit <> 'atteint' OR declared <= 1)),
    comment           text NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
    validated         bigint CHECK (validated >= 0 AND (unit <> 'pourcentage' OR validated <= 10000) AND (unit <> 'atteint' OR validated <= 1)),
    reason            text NOT NULL DEFAULT '' CHECK (length(reason) <= 2000),
    validated_at      timestamptz,
    validated_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    validated_by_name text NOT NULL DEFAULT '' CHECK (length(validated_by_name) <= 200),
    version           integer NOT NULL DEFAULT 1,
    FOREIGN KEY (contract_id, year) REFERENCES year_evaluations (contract_id, year),
    UNIQUE (contract_id, year, code),
    CHECK ((validated IS NULL) = (validated_at IS NULL)),
    -- a correction (validated ≠ declared) always has its reason
    CHECK (validated IS NULL OR validated IS NOT DISTINCT FROM declared OR length(reason) > 0)
);

CREATE TABLE year_files (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contract_id bigint NOT NULL REFERENCES contracts (id),
    year        integer NOT NULL,
    value_id    bigint REFERENCES year_values (id),
    meeting_id  bigint,
    file_id     bigint NOT NULL REFERENCES stored_files (id),
    created_at  timestamptz NOT NULL
);
CREATE INDEX year_files_value_idx ON year_files (value_id) WHERE value_id IS NOT NULL;

CREATE TABLE year_questions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contract_id bigint NOT NULL,
    year        integer NOT NULL,
    party       text NOT NULL CHECK (party IN ('structure', 'cpam', 'ars')),
    author_id   bigint REFERENCES users (id) ON DELETE SET NULL,
    author_name text NOT NULL CHECK (length(author_name) BETWEEN 1 AND 200),
    body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
    created_at  timestamptz NOT NULL,
    FOREIGN KEY (contract_id, year) REFERENCES year_evaluations (contract_id, year)
);
CREATE INDEX year_questions_idx ON year_questions (contract_id, year, id);

CREATE TABLE year_meetings (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contract_id            bigint NOT NULL,
    year                   integer NOT NULL,
    held_on                date NOT NULL,
    participants_structure text NOT NULL CHECK (length(participants_structure) BETWEEN 1 AND 1000),
    participants_cpam      text NOT NULL CHECK (length(participants_cpam) BETWEEN 1 AND 1000),
    participants_ars       text NOT NULL CHECK (length(participants_ars) BETWEEN 1 AND 1000),
    minutes                text NOT NULL CHECK (length(minutes) BETWEEN 1 AND 20000),
    recorded_at            timestamptz NOT NULL,
    recorded_by            bigint REFERENCES users (id) ON DELETE SET NULL,
    recorded_by_name       text NOT NULL CHECK (length(recorded_by_name) BETWEEN 1 AND 200),
    FOREIGN KEY (contract_id, year) REFERENCES year_evaluations (contract_id, year)
);
ALTER TABLE year_files ADD CONSTRAINT year_files_meeting_fk FOREIGN KEY (meeting_id) REFERENCES year_meetings (id);
ALTER TABLE year_files ADD CONSTRAINT year_files_owner CHECK ((value_id IS NULL) <> (meeting_id IS NULL));

CREATE TABLE year_corrections (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contract_id     bigint NOT NULL,
    year            integer NOT NULL,
    motive          text NOT NULL CHECK (length(motive) BETWEEN 1 AND 2000),
    corrected       jsonb NOT NULL, -- code → value in its unit, the new evaluation record
    created_at      timestamptz NOT NULL,
    created_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    created_by_name text NOT NULL CHECK (length(created_by_name) BETWEEN 1 AND 200),
    FOREIGN KEY (contract_id, year) REFERENCES year_evaluations (contract_id, year)
);

-- The MSP indicator tables get effective dates (docs/rules.md §29): the table
-- of civil year N is the one in force on 1 January N.
ALTER TABLE msp_baremes ADD COLUMN effective_on date;
UPDATE msp_baremes SET effective_on = '2017-04-20' WHERE code = 'aci-msp-2017';
UPDATE msp_baremes SET effective_on = '2022-01-01' WHERE code = 'aci-msp-avenant-1';
UPDATE msp_baremes SET effective_on = '2017-04-20' WHERE effective_on IS NULL;
ALTER TABLE msp_baremes ALTER COLUMN effective_on SET NOT NULL;
ALTER TABLE msp_baremes ALTER COLUMN effective_on SET DEFAULT CURRENT_DATE;

-- +goose Down
ALTER TABLE msp_baremes DROP COLUMN effective_on;
DROP TABLE year_corrections;
ALTER TABLE year_files DROP CONSTRAINT year_files_meeting_fk;
DROP TABLE year_meetings;
DROP TABLE year_questions;
DROP TABLE year_files;
DROP TABLE year_values;
DROP TABLE year_evaluations;
