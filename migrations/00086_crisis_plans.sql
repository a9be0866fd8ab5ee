-- +goose Up
-- The crisis plan of a CPTS contract (docs/rules.md §4, §31): its first
-- writing, then its yearly updates, each a file uploaded by the coordinator
-- (stored_files, checked by content) that the CPAM accepts or refuses with a
-- reason. An acceptance creates the plan payment (kind 'plan_crise', once
-- per contract year: the unique index payments_once). One version at a time
-- waits for the CPAM's decision.
CREATE TABLE crisis_plan_versions (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contract_id    bigint NOT NULL REFERENCES contracts (id),
    n              integer NOT NULL CHECK (n >= 1),
    file_id        bigint NOT NULL REFERENCES stored_files (id),
    uploaded_at    timestamptz NOT NULL,
    uploaded_by    bigint REFERENCES users (id) ON DELETE SET NULL,
    uploaded_name  text NOT NULL CHECK (length(uploaded_name) BETWEEN 1 AND 200),
    state          text NOT NULL DEFAULT 'en_attente' CHECK (state IN ('en_attente', 'accepte', 'refuse')),
    decided_on     date,
    decided_at     timestamptz,
    decided_by     bigint REFERENCES users (id) ON DELETE SET NULL,
    decided_name   text NOT NULL DEFAULT '' CHECK (length(decided_name) <= 200),
    reason         text NOT NULL DEFAULT '' CHECK (length(reason) <= 2000),
    payment_id     bigint REFERENCES payments (id),
    UNIQUE (contract_id, n),
    CHECK ((state = 'en_attente') = (decided_at IS NULL)),
    CHECK (state <> 'refuse' OR length(reason) > 0)
);
CREATE UNIQUE INDEX crisis_plan_one_pending ON crisis_plan_versions (contract_id) WHERE state = 'en_attente';

-- +goose Down
DROP TABLE crisis_plan_versions;
