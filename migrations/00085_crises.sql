-- +goose Up
-- Health crises declared by an ARS director (docs/rules.md §4, §31): the
-- crisis (name, dates, départements affected — empty: the whole region of
-- the declaring ARS) and, computed in the same transaction, one result per
-- CPTS with a contract seated in that territory: the crisis payment it got
-- (kind 'crise', created through the payments lifecycle), or the French
-- reason it got nothing (no plan accepted, already paid this contract year,
-- contract not active).
CREATE TABLE crises (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ars_id           bigint NOT NULL REFERENCES organisations (id),
    region           text NOT NULL CHECK (length(region) BETWEEN 1 AND 8),
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    start_on         date NOT NULL,
    end_on           date NOT NULL,
    departements     text[] NOT NULL DEFAULT '{}',
    declared_on      date NOT NULL,
    declared_at      timestamptz NOT NULL,
    declared_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    declared_by_name text NOT NULL CHECK (length(declared_by_name) BETWEEN 1 AND 200),
    CHECK (end_on >= start_on)
);
CREATE INDEX crises_region_idx ON crises (region, declared_on DESC, id DESC);
CREATE INDEX crises_declared_idx ON crises (declared_on DESC, id DESC);

CREATE TABLE crisis_results (
    crisis_id    bigint NOT NULL REFERENCES crises (id),
    contract_id  bigint NOT NULL REFERENCES contracts (id),
    structure_id bigint NOT NULL REFERENCES organisations (id),
    payment_id   bigint REFERENCES payments (id),
    amount_cents bigint NOT NULL DEFAULT 0 CHECK (amount_cents >= 0),
    reason       text NOT NULL DEFAULT '' CHECK (length(reason) <= 1000),
    PRIMARY KEY (crisis_id, contract_id),
    CHECK ((payment_id IS NULL) = (reason <> '')),
    CHECK (payment_id IS NOT NULL OR amount_cents = 0)
);
CREATE INDEX crisis_results_structure_idx ON crisis_results (structure_id, crisis_id);

-- +goose Down
DROP TABLE crisis_results;
DROP TABLE crises;
