-- +goose Up
-- The payment lifecycle (docs/rules.md §9 "after a termination", §5 "start-up
-- money is a payment", §4 crisis payments, §6 balances and adjustments).
--
-- Every payment belongs to a dossier (its audit chain) and a structure; a
-- payment of the contract's life also names its contract. The lettre
-- d'intention amorçage is a payment of the dossier before any contract
-- (contract_id NULL, contract_year 0).
--
-- States: prevu → ordonnance → verse (paid: date and accounting reference)
-- or annule (reason); a recovery (negative amount) prevu → ordonnance →
-- recouvre. A payment is never edited in place: a change is a cancellation
-- and a new line, or an adjustment line.
--
-- payments_once: a payment is never created twice for the same rule (kind
-- and rule_key), mission, year and structure while it is not cancelled.
-- rule_key disambiguates the legitimate repeats of one kind in a year (an
-- adjustment names its evaluation record: 'ajustement:<id>'); it is '' for
-- the payments that exist once per kind, mission and year (advance, balance,
-- crisis variable part, crisis plan part, amorçage, recovery).
ALTER TABLE payments ALTER COLUMN contract_id DROP NOT NULL;
ALTER TABLE payments ADD COLUMN dossier_id bigint REFERENCES dossiers (id);
ALTER TABLE payments ADD COLUMN structure_id bigint REFERENCES organisations (id);
UPDATE payments p SET dossier_id = c.dossier_id, structure_id = c.structure_id FROM contracts c WHERE c.id = p.contract_id;
ALTER TABLE payments ALTER COLUMN dossier_id SET NOT NULL;
ALTER TABLE payments ALTER COLUMN structure_id SET NOT NULL;

ALTER TABLE payments DROP CONSTRAINT payments_contract_id_seq_key;
ALTER TABLE payments ADD CONSTRAINT payments_dossier_seq_key UNIQUE (dossier_id, seq);
ALTER TABLE payments ADD CONSTRAINT payments_contract_with_year CHECK ((contract_id IS NULL) = (contract_year = 0));

ALTER TABLE payments DROP CONSTRAINT payments_contract_year_check;
ALTER TABLE payments ADD CONSTRAINT payments_contract_year_check CHECK (contract_year BETWEEN 0 AND 6);

ALTER TABLE payments DROP CONSTRAINT payments_kind_check;
ALTER TABLE payments ADD CONSTRAINT payments_kind_check CHECK (kind IN
    ('avance', 'solde', 'amorcage', 'crise', 'plan_crise', 'ajustement', 'recouvrement', 'solde_resiliation'));

ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check CHECK (status IN ('prevu', 'ordonnance', 'verse', 'annule', 'recouvre'));
ALTER TABLE payments DROP CONSTRAINT payments_check;

ALTER TABLE payments ADD COLUMN rule_key      text NOT NULL DEFAULT '' CHECK (length(rule_key) <= 100);
ALTER TABLE payments ADD COLUMN created_at    timestamptz;
ALTER TABLE payments ADD COLUMN ordered_on    date;
ALTER TABLE payments ADD COLUMN ordered_by    bigint REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE payments ADD COLUMN paid_ref      text NOT NULL DEFAULT '' CHECK (length(paid_ref) <= 100);
ALTER TABLE payments ADD COLUMN cancelled_on  date;
ALTER TABLE payments ADD COLUMN cancelled_by  bigint REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE payments ADD COLUMN cancel_reason text NOT NULL DEFAULT '' CHECK (length(cancel_reason) <= 2000);

-- paid_on is the day the money moved: paid (verse) or recovered (recouvre).
ALTER TABLE payments ADD CONSTRAINT payments_settled_check CHECK ((status IN ('verse', 'recouvre')) = (paid_on IS NOT NULL));
ALTER TABLE payments ADD CONSTRAINT payments_ordered_check CHECK (status NOT IN ('ordonnance', 'verse', 'recouvre') OR ordered_on IS NOT NULL OR paid_on IS NOT NULL);
ALTER TABLE payments ADD CONSTRAINT payments_cancelled_check CHECK ((status = 'annule') = (cancelled_on IS NOT NULL));
ALTER TABLE payments ADD CONSTRAINT payments_cancel_reason_given CHECK (status <> 'annule' OR length(cancel_reason) > 0);
ALTER TABLE payments ADD CONSTRAINT payments_recovery_sign CHECK (status <> 'recouvre' OR amount_cents < 0);
ALTER TABLE payments ADD CONSTRAINT payments_paid_sign CHECK (status <> 'verse' OR amount_cents >= 0);

CREATE UNIQUE INDEX payments_once ON payments (structure_id, dossier_id, kind, mission, contract_year, rule_key)
    WHERE status <> 'annule';
CREATE INDEX payments_structure_idx ON payments (structure_id, due_on);
CREATE INDEX payments_contract_idx ON payments (contract_id, due_on) WHERE contract_id IS NOT NULL;
DROP INDEX payments_due_idx;
CREATE INDEX payments_open_due_idx ON payments (due_on) WHERE status IN ('prevu', 'ordonnance');

-- +goose Down
DROP INDEX payments_open_due_idx;
CREATE INDEX payments_due_idx ON payments (due_on) WHERE status = 'prevu';
DROP INDEX payments_contract_idx;
DROP INDEX payments_structure_idx;
DROP INDEX payments_once;
DELETE FROM payments WHERE contract_id IS NULL;
UPDATE payments SET status = 'prevu', paid_on = NULL WHERE status NOT IN ('prevu', 'verse');
DELETE FROM payments WHERE kind NOT IN ('avance', 'solde', 'amorcage', 'crise');
ALTER TABLE payments DROP CONSTRAINT payments_paid_sign, DROP CONSTRAINT payments_recovery_sign,
    DROP CONSTRAINT payments_cancel_reason_given, DROP CONSTRAINT payments_cancelled_check,
    DROP CONSTRAINT payments_ordered_check, DROP CONSTRAINT payments_settled_check,
    DROP CONSTRAINT payments_contract_with_year, DROP CONSTRAINT payments_dossier_seq_key;
ALTER TABLE payments DROP COLUMN cancel_reason, DROP COLUMN cancelled_by, DROP COLUMN cancelled_on,
    DROP COLUMN paid_ref, DROP COLUMN ordered_by, DROP COLUMN ordered_on, DROP COLUMN created_at, DROP COLUMN rule_key;
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check CHECK (status IN ('prevu', 'verse'));
ALTER TABLE payments ADD CONSTRAINT payments_check CHECK ((status = 'verse') = (paid_on IS NOT NULL));
ALTER TABLE payments DROP CONSTRAINT payments_kind_check;
ALTER TABLE payments ADD CONSTRAINT payments_kind_check CHECK (kind IN ('avance', 'solde', 'amorcage', 'crise'));
ALTER TABLE payments DROP CONSTRAINT payments_contract_year_check;
ALTER TABLE payments ADD CONSTRAINT payments_contract_year_check CHECK (contract_year BETWEEN 1 AND 6);
ALTER TABLE payments ADD CONSTRAINT payments_contract_id_seq_key UNIQUE (contract_id, seq);
ALTER TABLE payments DROP COLUMN structure_id, DROP COLUMN dossier_id;
ALTER TABLE payments ALTER COLUMN contract_id SET NOT NULL;
