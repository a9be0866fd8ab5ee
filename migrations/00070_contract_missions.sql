-- +goose Up
-- The start and the deployment of each mission of a contract (docs/rules.md
-- §7, §28): the date the coordinator declares, a short evidence text and an
-- optional file (stored_files, checked by content like every upload). One row
-- per contract and mission: a second start of the same mission is impossible
-- (the primary key), a deployment needs its start (the CHECKs).
CREATE TABLE contract_missions (
    contract_id       bigint NOT NULL REFERENCES contracts (id),
    mission           text NOT NULL CHECK (mission IN ('acces', 'parcours', 'prevention', 'crise', 'qualite', 'accompagnement')),
    started_on        date NOT NULL,
    start_evidence    text NOT NULL CHECK (length(start_evidence) BETWEEN 1 AND 2000),
    start_file_id     bigint REFERENCES stored_files (id),
    started_at        timestamptz NOT NULL,
    started_by        bigint REFERENCES users (id) ON DELETE SET NULL,
    started_by_name   text NOT NULL CHECK (length(started_by_name) BETWEEN 1 AND 200),
    deployed_on       date,
    deploy_evidence   text NOT NULL DEFAULT '' CHECK (length(deploy_evidence) <= 2000),
    deploy_file_id    bigint REFERENCES stored_files (id),
    deployed_at       timestamptz,
    deployed_by       bigint REFERENCES users (id) ON DELETE SET NULL,
    deployed_by_name  text NOT NULL DEFAULT '' CHECK (length(deployed_by_name) <= 200),
    PRIMARY KEY (contract_id, mission),
    CHECK (deployed_on IS NULL OR deployed_on >= started_on),
    CHECK ((deployed_on IS NULL) = (deployed_at IS NULL)),
    CHECK (deployed_on IS NULL OR length(deploy_evidence) > 0),
    CHECK (deploy_file_id IS NULL OR deployed_on IS NOT NULL)
);

-- The anniversary advances job looks for the contracts in force.
CREATE INDEX contracts_running_idx ON contracts (start_date) WHERE state IN ('actif', 'resiliation_demandee');

-- +goose Down
DROP INDEX contracts_running_idx;
DROP TABLE contract_missions;
