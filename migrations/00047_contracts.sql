-- +goose Up
-- Contracts (ACI CPTS / MSP tripartite contracts) and their signatures
-- (docs/rules.md §13; §8, §9, §10). A contract
-- is created in a_signer when its dossier is accepted (workflow
-- Outcome.OpensContract), with its document frozen: the HTML and its SHA-256
-- never change afterwards, and each party signs that hash. Contract
-- transitions are recorded in the dossier's audit chain (dossier_audit).
CREATE TABLE contracts (
    id                       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dossier_id               bigint NOT NULL UNIQUE REFERENCES dossiers (id),
    structure_id             bigint NOT NULL REFERENCES organisations (id),
    structure_type           text NOT NULL CHECK (structure_type IN ('CPTS', 'MSP')),
    state                    text NOT NULL DEFAULT 'a_signer' CHECK (state IN ('a_signer', 'actif', 'resiliation_demandee', 'resilie', 'echu')),
    version                  integer NOT NULL DEFAULT 1,
    created_at               timestamptz NOT NULL,
    updated_at               timestamptz NOT NULL,
    updated_by               bigint REFERENCES users (id) ON DELETE SET NULL,
    -- frozen at creation (what the parties read and sign)
    bareme_code              text NOT NULL CHECK (length(bareme_code) BETWEEN 1 AND 64),
    tier                     integer CHECK (tier BETWEEN 1 AND 4),   -- CPTS only
    population               bigint CHECK (population >= 0),        -- CPTS: territory population at creation
    patientele               bigint CHECK (patientele >= 0),        -- MSP: patientèle médecin traitant used for the schedule
    terms                    jsonb NOT NULL,
    document_html            text NOT NULL CHECK (length(document_html) BETWEEN 1 AND 2000000),
    document_sha256          text NOT NULL CHECK (document_sha256 ~ '^[0-9a-f]{64}$'),
    -- lifecycle
    start_date               date,   -- day of the third signature
    end_date                 date,   -- start + 5 years (exclusive: the contract is échu that day)
    resiliation_received_on  date,   -- receipt of the résiliation letter
    resiliation_effective_on date,   -- received + 2 months (docs/rules.md §9)
    resiliation_requested_by text NOT NULL DEFAULT '' CHECK (resiliation_requested_by IN ('', 'structure', 'cpam')),
    resilie_on               date,
    trop_percu_cents         bigint CHECK (trop_percu_cents >= 0),
    reste_du_cents           bigint CHECK (reste_du_cents >= 0),
    motivation               text NOT NULL DEFAULT '' CHECK (length(motivation) <= 5000),
    CHECK ((state = 'a_signer') = (start_date IS NULL)),
    CHECK ((start_date IS NULL) = (end_date IS NULL))
);
CREATE INDEX contracts_structure_idx ON contracts (structure_id);
-- The échéance job picks these.
CREATE INDEX contracts_end_idx ON contracts (end_date) WHERE state = 'actif';

CREATE TABLE contract_signatures (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contract_id     bigint NOT NULL REFERENCES contracts (id),
    party           text NOT NULL CHECK (party IN ('structure', 'cpam', 'ars')),
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    organisation    text NOT NULL CHECK (length(organisation) BETWEEN 1 AND 200),
    user_id         bigint NOT NULL REFERENCES users (id),
    user_name       text NOT NULL CHECK (length(user_name) BETWEEN 1 AND 200),
    role            text NOT NULL,
    signed_at       timestamptz NOT NULL,
    document_sha256 text NOT NULL CHECK (document_sha256 ~ '^[0-9a-f]{64}$'),
    UNIQUE (contract_id, party)
);

-- +goose Down
DROP TABLE contract_signatures;
DROP TABLE contracts;
