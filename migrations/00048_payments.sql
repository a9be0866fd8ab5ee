-- +goose Up
-- Payment schedule of a contract (docs/rules.md §8 for a CPTS, §9 for an MSP),
-- created from the funding engine (funding.BuildSchedule / MSPSchedule) in
-- the transaction of the third signature. Amounts in cents.
CREATE TABLE payments (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contract_id   bigint NOT NULL REFERENCES contracts (id),
    seq           integer NOT NULL CHECK (seq >= 1),
    due_on        date NOT NULL,
    contract_year integer NOT NULL CHECK (contract_year BETWEEN 1 AND 6),
    mission       text NOT NULL DEFAULT '' CHECK (length(mission) <= 40),
    kind          text NOT NULL CHECK (kind IN ('avance', 'solde', 'amorcage', 'crise')),
    amount_cents  bigint NOT NULL,
    rule          text NOT NULL CHECK (length(rule) BETWEEN 1 AND 500),
    status        text NOT NULL DEFAULT 'prevu' CHECK (status IN ('prevu', 'verse')),
    paid_on       date,
    paid_by       bigint REFERENCES users (id) ON DELETE SET NULL,
    CHECK ((status = 'verse') = (paid_on IS NOT NULL)),
    UNIQUE (contract_id, seq)
);
CREATE INDEX payments_due_idx ON payments (due_on) WHERE status = 'prevu';

-- +goose Down
DROP TABLE payments;
