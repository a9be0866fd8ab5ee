-- +goose Up
-- Avenants with effect (docs/rules.md §31): an avenant proposes changes
-- (optional missions added, indicators or targets changed, a new territory
-- and hence population and tier) with an effective date; it is proposed by
-- the coordinator or the CPAM, accepted by the CPAM, then signed by the three
-- parties in any order. At the third signature the schedule is recomputed
-- from the effective date and the contract gets a new document version (the
-- original signed document and its hash stay in contracts).
--
-- The free-text avenants recorded before (migration 00051) are kept as
-- signed avenants without changes.
ALTER TABLE contract_avenants ADD COLUMN status text NOT NULL DEFAULT 'signe'
    CHECK (status IN ('propose', 'accepte', 'signe', 'refuse'));
ALTER TABLE contract_avenants ADD COLUMN changes jsonb NOT NULL DEFAULT '{}';
ALTER TABLE contract_avenants ADD COLUMN proposed_by_party text NOT NULL DEFAULT '' CHECK (proposed_by_party IN ('', 'structure', 'cpam'));
ALTER TABLE contract_avenants ADD COLUMN accepted_at timestamptz;
ALTER TABLE contract_avenants ADD COLUMN accepted_by_name text NOT NULL DEFAULT '';
ALTER TABLE contract_avenants ADD COLUMN signed_at timestamptz;
ALTER TABLE contract_avenants ADD COLUMN refusal text NOT NULL DEFAULT '' CHECK (length(refusal) <= 2000);
ALTER TABLE contract_avenants ALTER COLUMN contract_version DROP NOT NULL;
ALTER TABLE contract_avenants ADD CONSTRAINT contract_avenants_signed_version CHECK ((status = 'signe') = (contract_version IS NOT NULL));
-- One avenant on its way at a time per contract.
CREATE UNIQUE INDEX contract_avenants_one_open ON contract_avenants (contract_id) WHERE status IN ('propose', 'accepte');

CREATE TABLE contract_avenant_signatures (
    avenant_id      bigint NOT NULL REFERENCES contract_avenants (id),
    party           text NOT NULL CHECK (party IN ('structure', 'cpam', 'ars')),
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    organisation    text NOT NULL CHECK (length(organisation) BETWEEN 1 AND 200),
    user_id         bigint REFERENCES users (id) ON DELETE SET NULL,
    user_name       text NOT NULL CHECK (length(user_name) BETWEEN 1 AND 200),
    signed_at       timestamptz NOT NULL,
    PRIMARY KEY (avenant_id, party)
);

-- The versions of a contract's document after its signature: version n ≥ 2
-- is the signed document with the avenants appended, with its SHA-256.
CREATE TABLE contract_documents (
    contract_id     bigint NOT NULL REFERENCES contracts (id),
    version         integer NOT NULL CHECK (version >= 2),
    avenant_id      bigint NOT NULL REFERENCES contract_avenants (id),
    document_html   text NOT NULL CHECK (length(document_html) BETWEEN 1 AND 4000000),
    document_sha256 text NOT NULL CHECK (document_sha256 ~ '^[0-9a-f]{64}$'),
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (contract_id, version)
);

-- +goose Down
DROP TABLE contract_documents;
DROP TABLE contract_avenant_signatures;
DROP INDEX contract_avenants_one_open;
DELETE FROM contract_avenants WHERE status <> 'signe';
ALTER TABLE contract_avenants DROP CONSTRAINT contract_avenants_signed_version;
ALTER TABLE contract_avenants ALTER COLUMN contract_version SET NOT NULL;
ALTER TABLE contract_avenants DROP COLUMN refusal, DROP COLUMN signed_at, DROP COLUMN accepted_by_name,
    DROP COLUMN accepted_at, DROP COLUMN proposed_by_party, DROP COLUMN changes, DROP COLUMN status;
