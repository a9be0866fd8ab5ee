-- +goose Up
-- Barèmes follow docs/rules.md §4 (the rows are exactly funding.Builtin()
-- and funding.BuiltinMSPBaremes(); a store test compares them):
--   * no invented table: the "ACI CPTS 2019" barème (avenant 2 amounts
--     without the crisis mission) is removed; a contract year that starts
--     before avenant 2 is refused until an admin enters the 2019 table;
--   * avenant 2 takes effect the day after its publication in the JO of
--     31/03/2022: 2022-04-01;
--   * everything an avenant may change is part of the barème: the tier edges
--     and the advance rate of a CPTS barème, the point value, the reference
--     patientèle and the advance rate of an MSP barème.
DELETE FROM baremes WHERE code = 'aci-cpts-2019';
UPDATE baremes SET effective = '2022-04-01' WHERE code = 'avenant-2';

-- tier_2_from, tier_3_from, tier_4_from: smallest population of tiers 2, 3
-- and 4 (docs/rules.md §3: 40 000 → tier 2; 80 000 → tier 3; 175 000 →
-- tier 3; 175 001 → tier 4). advance_percent: the 75 % advance (§8).
ALTER TABLE baremes
    ADD COLUMN tier_2_from     bigint,
    ADD COLUMN tier_3_from     bigint,
    ADD COLUMN tier_4_from     bigint,
    ADD COLUMN advance_percent smallint;
UPDATE baremes SET tier_2_from = 40000, tier_3_from = 80000, tier_4_from = 175001, advance_percent = 75;
ALTER TABLE baremes
    ALTER COLUMN tier_2_from SET NOT NULL,
    ALTER COLUMN tier_3_from SET NOT NULL,
    ALTER COLUMN tier_4_from SET NOT NULL,
    ALTER COLUMN advance_percent SET NOT NULL,
    ADD CONSTRAINT baremes_tiers_check CHECK (0 < tier_2_from AND tier_2_from < tier_3_from AND tier_3_from < tier_4_from),
    ADD CONSTRAINT baremes_advance_check CHECK (advance_percent BETWEEN 0 AND 100);

-- MSP barèmes (docs/rules.md §9): 1 point = 7 €, variable points × the
-- patientèle médecin traitant / 4 000, advance of 60 % of the remuneration
-- for 100 % of the socle indicators. msp_indicators.bareme_code names one.
CREATE TABLE msp_baremes (
    code                 text PRIMARY KEY CHECK (code ~ '^[a-z0-9][a-z0-9-]*$'),
    name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    point_value_cents    bigint NOT NULL CHECK (point_value_cents > 0),
    reference_patientele bigint NOT NULL CHECK (reference_patientele > 0),
    advance_percent      smallint NOT NULL CHECK (advance_percent BETWEEN 0 AND 100),
    created_at           timestamptz NOT NULL DEFAULT now()
);
INSERT INTO msp_baremes (code, name, point_value_cents, reference_patientele, advance_percent) VALUES
    ('aci-msp-2017', 'ACI MSP 2017', 700, 4000, 60),
    ('aci-msp-avenant-1', 'ACI MSP avenant 1 (2022)', 700, 4000, 60);

-- +goose Down
DROP TABLE msp_baremes;
ALTER TABLE baremes
    DROP CONSTRAINT baremes_advance_check,
    DROP CONSTRAINT baremes_tiers_check,
    DROP COLUMN advance_percent,
    DROP COLUMN tier_4_from,
    DROP COLUMN tier_3_from,
    DROP COLUMN tier_2_from;
UPDATE baremes SET effective = '2022-03-31' WHERE code = 'avenant-2';
-- The invented 2019 table is not restored.
