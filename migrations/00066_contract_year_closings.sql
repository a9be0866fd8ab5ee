-- +goose Up
-- The closing of a contract year (docs/rules.md §6: "the referent then closes
-- the year"; an MSP's civil year likewise). A closed year is read-only; its
-- balances become due on closed_on and may be ordered only once the year is
-- closed (docs/rules.md §6, §9). contract_year is the index used by
-- payments.contract_year (1..5 for a CPTS contract year, 1..6 for an MSP's
-- civil years in order). One closing per year: the primary key makes a
-- second closing impossible.
CREATE TABLE contract_year_closings (
    contract_id    bigint NOT NULL REFERENCES contracts (id),
    contract_year  integer NOT NULL CHECK (contract_year BETWEEN 1 AND 6),
    closed_on      date NOT NULL,
    closed_at      timestamptz NOT NULL,
    closed_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    closed_by_name text NOT NULL CHECK (length(closed_by_name) BETWEEN 1 AND 200),
    PRIMARY KEY (contract_id, contract_year)
);

-- +goose Down
DROP TABLE contract_year_closings;
