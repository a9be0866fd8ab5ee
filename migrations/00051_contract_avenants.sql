-- +goose Up
-- Avenants of an actif contract (docs/rules.md §13 "actif → avenant (new
-- version)"; workflow transition avenant, Outcome.NewVersion). Each avenant
-- is recorded with the contract's new version, in the transaction of the
-- avenant transition whose audit row (motivation = the object) goes into the
-- dossier's hash-chained audit trail. The frozen signed document is never
-- modified: the avenant is a separate act listed with the contract.
CREATE TABLE contract_avenants (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contract_id      bigint NOT NULL REFERENCES contracts (id),
    number           integer NOT NULL CHECK (number >= 1),
    object           text NOT NULL CHECK (length(object) BETWEEN 1 AND 5000),
    effective_on     date NOT NULL,
    contract_version integer NOT NULL CHECK (contract_version >= 2),
    created_at       timestamptz NOT NULL,
    created_by       bigint REFERENCES users (id) ON DELETE SET NULL,
    created_by_name  text NOT NULL CHECK (length(created_by_name) BETWEEN 1 AND 200),
    UNIQUE (contract_id, number)
);

-- +goose Down
DROP TABLE contract_avenants;
