-- +goose Up
-- Funding barèmes as data (docs/rules.md §4, §5, §9): a new avenant is new rows,
-- not a code change. The rows below are exactly the built-in Go values
-- (funding.Builtin() and funding.BuiltinMSP()); a test compares them.
CREATE TABLE baremes (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code                text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9-]*$'),
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    effective           date NOT NULL,
    early_signer_cutoff date,
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX baremes_effective_idx ON baremes (effective);

-- Annual amounts per tier, mission and part, for a 100 % achievement rate.
-- fonctionnement has only 'fixe'; crise has 'fixe_premiere' (year the plan is
-- first written), 'fixe_mise_a_jour' (later years) and 'variable' (crisis
-- declared by the ARS).
CREATE TABLE bareme_amounts (
    bareme_id    bigint NOT NULL REFERENCES baremes (id) ON DELETE CASCADE,
    tier         smallint NOT NULL CHECK (tier BETWEEN 1 AND 4),
    mission      text NOT NULL CHECK (mission IN ('fonctionnement', 'acces', 'parcours', 'prevention', 'crise', 'qualite', 'accompagnement')),
    part         text NOT NULL CHECK (part IN ('fixe', 'variable', 'fixe_premiere', 'fixe_mise_a_jour')),
    amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
    PRIMARY KEY (bareme_id, tier, mission, part)
);

-- Start-up money per tier (docs/rules.md §5): amorçage at validation of the
-- lettre d'intention, early-signer supplement (+75 % of fonctionnement), ARS
-- pre-ACI forfait (decision on the 10 000–20 000 split: see
-- funding.ARSForfaitByTier) and ARS coordinator forfait (24 000, every tier).
CREATE TABLE bareme_amorcage (
    bareme_id    bigint NOT NULL REFERENCES baremes (id) ON DELETE CASCADE,
    tier         smallint NOT NULL CHECK (tier BETWEEN 1 AND 4),
    kind         text NOT NULL CHECK (kind IN ('lettre_intention', 'signataire_precoce', 'ars_forfait', 'ars_coordonnateur')),
    amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
    PRIMARY KEY (bareme_id, tier, kind)
);

-- MSP ACI indicators (docs/rules.md §9): 1 point = 7 €; variable points scale
-- with the patientèle médecin traitant / 4 000. exclusive_group names
-- alternative levels of one indicator (only the best met level counts).
CREATE TABLE msp_indicators (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bareme_code     text NOT NULL,
    code            text NOT NULL,
    label           text NOT NULL,
    axis            text NOT NULL CHECK (axis IN ('acces', 'travail_equipe', 'systeme_information')),
    kind            text NOT NULL CHECK (kind IN ('prerequis', 'socle', 'optionnel')),
    fixed_points    integer NOT NULL CHECK (fixed_points >= 0),
    variable_points integer NOT NULL CHECK (variable_points >= 0),
    exclusive_group text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (bareme_code, code)
);

INSERT INTO baremes (code, name, effective, early_signer_cutoff) VALUES
    ('aci-cpts-2019', 'ACI CPTS 2019', '2019-08-24', '2022-09-30'),
    ('avenant-2', 'Avenant 2', '2022-03-31', '2022-09-30');

INSERT INTO bareme_amounts (bareme_id, tier, mission, part, amount_cents)
SELECT b.id, v.tier, v.mission, v.part, v.amount_cents
FROM (VALUES
    ('aci-cpts-2019', 1, 'fonctionnement', 'fixe', 5000000),
    ('aci-cpts-2019', 2, 'fonctionnement', 'fixe', 6000000),
    ('aci-cpts-2019', 3, 'fonctionnement', 'fixe', 7500000),
    ('aci-cpts-2019', 4, 'fonctionnement', 'fixe', 9000000),
    ('aci-cpts-2019', 1, 'acces', 'fixe', 5500000),
    ('aci-cpts-2019', 1, 'acces', 'variable', 2500000),
    ('aci-cpts-2019', 2, 'acces', 'fixe', 7000000),
    ('aci-cpts-2019', 2, 'acces', 'variable', 3000000),
    ('aci-cpts-2019', 3, 'acces', 'fixe', 9000000),
    ('aci-cpts-2019', 3, 'acces', 'variable', 3500000),
    ('aci-cpts-2019', 4, 'acces', 'fixe', 11000000),
    ('aci-cpts-2019', 4, 'acces', 'variable', 4500000),
    ('aci-cpts-2019', 1, 'parcours', 'fixe', 2500000),
    ('aci-cpts-2019', 1, 'parcours', 'variable', 2500000),
    ('aci-cpts-2019', 2, 'parcours', 'fixe', 3500000),
    ('aci-cpts-2019', 2, 'parcours', 'variable', 3500000),
    ('aci-cpts-2019', 3, 'parcours', 'fixe', 4500000),
    ('aci-cpts-2019', 3, 'parcours', 'variable', 4500000),
    ('aci-cpts-2019', 4, 'parcours', 'fixe', 5000000),
    ('aci-cpts-2019', 4, 'parcours', 'variable', 5000000),
    ('aci-cpts-2019', 1, 'prevention', 'fixe', 1000000),
    ('aci-cpts-2019', 1, 'prevention', 'variable', 1000000),
    ('aci-cpts-2019', 2, 'prevention', 'fixe', 1500000),
    ('aci-cpts-2019', 2, 'prevention', 'variable', 1500000),
    ('aci-cpts-2019', 3, 'prevention', 'fixe', 1750000),
    ('aci-cpts-2019', 3, 'prevention', 'variable', 1750000),
    ('aci-cpts-2019', 4, 'prevention', 'fixe', 2000000),
    ('aci-cpts-2019', 4, 'prevention', 'variable', 2000000),
    ('aci-cpts-2019', 1, 'qualite', 'fixe', 750000),
    ('aci-cpts-2019', 1, 'qualite', 'variable', 750000),
    ('aci-cpts-2019', 2, 'qualite', 'fixe', 1000000),
    ('aci-cpts-2019', 2, 'qualite', 'variable', 1000000),
    ('aci-cpts-2019', 3, 'qualite', 'fixe', 1500000),
    ('aci-cpts-2019', 3, 'qualite', 'variable', 1500000),
    ('aci-cpts-2019', 4, 'qualite', 'fixe', 2000000),
    ('aci-cpts-2019', 4, 'qualite', 'variable', 2000000),
    ('aci-cpts-2019', 1, 'accompagnement', 'fixe', 500000),
    ('aci-cpts-2019', 1, 'accompagnement', 'variable', 500000),
    ('aci-cpts-2019', 2, 'accompagnement', 'fixe', 750000),
    ('aci-cpts-2019', 2, 'accompagnement', 'variable', 750000),
    ('aci-cpts-2019', 3, 'accompagnement', 'fixe', 1000000),
    ('aci-cpts-2019', 3, 'accompagnement', 'variable', 1000000),
    ('aci-cpts-2019', 4, 'accompagnement', 'fixe', 1500000),
    ('aci-cpts-2019', 4, 'accompagnement', 'variable', 1500000),
    ('avenant-2', 1, 'fonctionnement', 'fixe', 5000000),
    ('avenant-2', 2, 'fonctionnement', 'fixe', 6000000),
    ('avenant-2', 3, 'fonctionnement', 'fixe', 7500000),
    ('avenant-2', 4, 'fonctionnement', 'fixe', 9000000),
    ('avenant-2', 1, 'acces', 'fixe', 5500000),
    ('avenant-2', 1, 'acces', 'variable', 2500000),
    ('avenant-2', 2, 'acces', 'fixe', 7000000),
    ('avenant-2', 2, 'acces', 'variable', 3000000),
    ('avenant-2', 3, 'acces', 'fixe', 9000000),
    ('avenant-2', 3, 'acces', 'variable', 3500000),
    ('avenant-2', 4, 'acces', 'fixe', 11000000),
    ('avenant-2', 4, 'acces', 'variable', 4500000),
    ('avenant-2', 1, 'parcours', 'fixe', 2500000),
    ('avenant-2', 1, 'parcours', 'variable', 2500000),
    ('avenant-2', 2, 'parcours', 'fixe', 3500000),
    ('avenant-2', 2, 'parcours', 'variable', 3500000),
    ('avenant-2', 3, 'parcours', 'fixe', 4500000),
    ('avenant-2', 3, 'parcours', 'variable', 4500000),
    ('avenant-2', 4, 'parcours', 'fixe', 5000000),
    ('avenant-2', 4, 'parcours', 'variable', 5000000),
    ('avenant-2', 1, 'prevention', 'fixe', 1000000),
    ('avenant-2', 1, 'prevention', 'variable', 1000000),
    ('avenant-2', 2, 'prevention', 'fixe', 1500000),
    ('avenant-2', 2, 'prevention', 'variable', 1500000),
    ('avenant-2', 3, 'prevention', 'fixe', 1750000),
    ('avenant-2', 3, 'prevention', 'variable', 1750000),
    ('avenant-2', 4, 'prevention', 'fixe', 2000000),
    ('avenant-2', 4, 'prevention', 'variable', 2000000),
    ('avenant-2', 1, 'crise', 'variable', 3750000),
    ('avenant-2', 1, 'crise', 'fixe_premiere', 2500000),
    ('avenant-2', 1, 'crise', 'fixe_mise_a_jour', 1250000),
    ('avenant-2', 2, 'crise', 'variable', 5250000),
    ('avenant-2', 2, 'crise', 'fixe_premiere', 3500000),
    ('avenant-2', 2, 'crise', 'fixe_mise_a_jour', 1750000),
    ('avenant-2', 3, 'crise', 'variable', 6750000),
    ('avenant-2', 3, 'crise', 'fixe_premiere', 4500000),
    ('avenant-2', 3, 'crise', 'fixe_mise_a_jour', 2250000),
    ('avenant-2', 4, 'crise', 'variable', 7500000),
    ('avenant-2', 4, 'crise', 'fixe_premiere', 5000000),
    ('avenant-2', 4, 'crise', 'fixe_mise_a_jour', 2500000),
    ('avenant-2', 1, 'qualite', 'fixe', 750000),
    ('avenant-2', 1, 'qualite', 'variable', 750000),
    ('avenant-2', 2, 'qualite', 'fixe', 1000000),
    ('avenant-2', 2, 'qualite', 'variable', 1000000),
    ('avenant-2', 3, 'qualite', 'fixe', 1500000),
    ('avenant-2', 3, 'qualite', 'variable', 1500000),
    ('avenant-2', 4, 'qualite', 'fixe', 2000000),
    ('avenant-2', 4, 'qualite', 'variable', 2000000),
    ('avenant-2', 1, 'accompagnement', 'fixe', 500000),
    ('avenant-2', 1, 'accompagnement', 'variable', 500000),
    ('avenant-2', 2, 'accompagnement', 'fixe', 750000),
    ('avenant-2', 2, 'accompagnement', 'variable', 750000),
    ('avenant-2', 3, 'accompagnement', 'fixe', 1000000),
    ('avenant-2', 3, 'accompagnement', 'variable', 1000000),
    ('avenant-2', 4, 'accompagnement', 'fixe', 1500000),
    ('avenant-2', 4, 'accompagnement', 'variable', 1500000)
) AS v (code, tier, mission, part, amount_cents)
JOIN baremes b ON b.code = v.code;

INSERT INTO bareme_amorcage (bareme_id, tier, kind, amount_cents)
SELECT b.id, v.tier, v.kind, v.amount_cents
FROM (VALUES
    ('aci-cpts-2019', 1, 'lettre_intention', 1500000),
    ('aci-cpts-2019', 1, 'signataire_precoce', 3750000),
    ('aci-cpts-2019', 1, 'ars_forfait', 1000000),
    ('aci-cpts-2019', 1, 'ars_coordonnateur', 2400000),
    ('aci-cpts-2019', 2, 'lettre_intention', 1750000),
    ('aci-cpts-2019', 2, 'signataire_precoce', 4500000),
    ('aci-cpts-2019', 2, 'ars_forfait', 1350000),
    ('aci-cpts-2019', 2, 'ars_coordonnateur', 2400000),
    ('aci-cpts-2019', 3, 'lettre_intention', 2500000),
    ('aci-cpts-2019', 3, 'signataire_precoce', 5625000),
    ('aci-cpts-2019', 3, 'ars_forfait', 1650000),
    ('aci-cpts-2019', 3, 'ars_coordonnateur', 2400000),
    ('aci-cpts-2019', 4, 'lettre_intention', 3000000),
    ('aci-cpts-2019', 4, 'signataire_precoce', 6750000),
    ('aci-cpts-2019', 4, 'ars_forfait', 2000000),
    ('aci-cpts-2019', 4, 'ars_coordonnateur', 2400000),
    ('avenant-2', 1, 'lettre_intention', 1500000),
    ('avenant-2', 1, 'signataire_precoce', 3750000),
    ('avenant-2', 1, 'ars_forfait', 1000000),
    ('avenant-2', 1, 'ars_coordonnateur', 2400000),
    ('avenant-2', 2, 'lettre_intention', 1750000),
    ('avenant-2', 2, 'signataire_precoce', 4500000),
    ('avenant-2', 2, 'ars_forfait', 1350000),
    ('avenant-2', 2, 'ars_coordonnateur', 2400000),
    ('avenant-2', 3, 'lettre_intention', 2500000),
    ('avenant-2', 3, 'signataire_precoce', 5625000),
    ('avenant-2', 3, 'ars_forfait', 1650000),
    ('avenant-2', 3, 'ars_coordonnateur', 2400000),
    ('avenant-2', 4, 'lettre_intention', 3000000),
    ('avenant-2', 4, 'signataire_precoce', 6750000),
    ('avenant-2', 4, 'ars_forfait', 2000000),
    ('avenant-2', 4, 'ars_coordonnateur', 2400000)
) AS v (code, tier, kind, amount_cents)
JOIN baremes b ON b.code = v.code;

INSERT INTO msp_indicators (bareme_code, code, label, axis, kind, fixed_points, variable_points, exclusive_group) VALUES
    ('aci-msp-2017', 'horaires_soins_non_programmes', 'Ouverture de 8 h à 20 h en semaine et le samedi matin, accès à des soins non programmés chaque jour ouvré', 'acces', 'prerequis', 1200, 0, NULL),
    ('aci-msp-avenant-1', 'fonction_coordination', 'Fonction de coordination', 'travail_equipe', 'prerequis', 1000, 1700, NULL),
    ('aci-msp-avenant-1', 'sas_tous_medecins', 'Participation au service d''accès aux soins (SAS) de tous les médecins', 'acces', 'optionnel', 200, 0, 'sas'),
    ('aci-msp-avenant-1', 'sas_moitie_medecins', 'Participation au service d''accès aux soins (SAS) d''au moins 50 % des médecins', 'acces', 'optionnel', 100, 0, 'sas');

-- +goose Down
DROP TABLE msp_indicators;
DROP TABLE bareme_amorcage;
DROP TABLE bareme_amounts;
DROP TABLE baremes;
