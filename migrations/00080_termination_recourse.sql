-- +goose Up
-- Termination of a contract (docs/rules.md §30): by the structure, whose
-- letter may come through the portal (resiliation_letter_on) before the CPAM
-- records its receipt (resiliation_received_on, effective two months later);
-- or by the CPAM, notified on resiliation_notified_on, which a recourse to
-- the commission paritaire suspends until its decision (effective date NULL
-- while suspended). resiliation_status says where a requested termination
-- stands: programmee (effective on resiliation_effective_on, or waiting for
-- the receipt date), suspendue, annulee (the commission did not confirm it:
-- the contract is back in force).
ALTER TABLE contracts ADD COLUMN resiliation_letter_on   date;
ALTER TABLE contracts ADD COLUMN resiliation_notified_on date;
ALTER TABLE contracts ADD COLUMN recourse_filed_on       date;
ALTER TABLE contracts ADD COLUMN recourse_decided_on     date;
ALTER TABLE contracts ADD COLUMN recourse_upheld         boolean;
ALTER TABLE contracts ADD COLUMN resiliation_status      text NOT NULL DEFAULT ''
    CHECK (resiliation_status IN ('', 'programmee', 'suspendue', 'annulee'));
ALTER TABLE contracts ADD CONSTRAINT contracts_recourse_order CHECK (
    recourse_decided_on IS NULL OR (recourse_filed_on IS NOT NULL AND recourse_decided_on >= recourse_filed_on));
CREATE INDEX contracts_resiliation_due_idx ON contracts (resiliation_effective_on) WHERE state = 'resiliation_demandee';

-- +goose Down
DROP INDEX contracts_resiliation_due_idx;
ALTER TABLE contracts DROP CONSTRAINT contracts_recourse_order;
ALTER TABLE contracts DROP COLUMN resiliation_status, DROP COLUMN recourse_upheld, DROP COLUMN recourse_decided_on,
    DROP COLUMN recourse_filed_on, DROP COLUMN resiliation_notified_on, DROP COLUMN resiliation_letter_on;
