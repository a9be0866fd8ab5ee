-- +goose Up
-- Structures registry (docs/rules.md §21): the
-- identity of a care structure lives on its organisations row (kind =
-- 'structure'); the columns are NULL for the other kinds.
ALTER TABLE organisations
    ADD COLUMN legal_form          text CHECK (legal_form IN ('association', 'sisa', 'aucune', 'autre')),
    ADD COLUMN siret               text CHECK (siret ~ '^[0-9]{14}$'),
    ADD COLUMN finess              text CHECK (finess ~ '^([0-9]{2}|2A|2B)[0-9]{7}$'),
    ADD COLUMN address_line1       text NOT NULL DEFAULT '' CHECK (length(address_line1) <= 200),
    ADD COLUMN address_line2       text NOT NULL DEFAULT '' CHECK (length(address_line2) <= 200),
    ADD COLUMN postal_code         text NOT NULL DEFAULT '' CHECK (postal_code = '' OR postal_code ~ '^[0-9]{5}$'),
    ADD COLUMN commune_code        text REFERENCES communes (code),
    ADD COLUMN created_on          date,  -- creation of the legal entity (statuts)
    ADD COLUMN ars_validated_on    date,  -- lettre d'intention / projet validated by the ARS (informative)
    ADD COLUMN aci_signed_on       date,  -- ACI contract signature (informative; contracts hold the truth)
    ADD COLUMN coordinator_user_id bigint REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN updated_by          bigint REFERENCES users (id) ON DELETE SET NULL,
    ADD CONSTRAINT organisations_registry_structure_only CHECK (kind = 'structure' OR (legal_form IS NULL AND siret IS NULL AND finess IS NULL AND coordinator_user_id IS NULL));
-- A SIRET identifies one establishment: two live structures cannot share it.
CREATE UNIQUE INDEX organisations_siret_idx ON organisations (siret) WHERE siret IS NOT NULL AND archived_at IS NULL;
CREATE UNIQUE INDEX organisations_finess_idx ON organisations (finess) WHERE finess IS NOT NULL AND archived_at IS NULL;
CREATE INDEX organisations_coordinator_idx ON organisations (coordinator_user_id);

-- Members of a structure (docs/rules.md §21). own_structure_id: for a CPTS, the
-- MSP or ESP the member practises in, when it is registered here.
CREATE TABLE members (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    structure_id     bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    last_name        text NOT NULL CHECK (length(last_name) BETWEEN 1 AND 100),
    first_name       text NOT NULL DEFAULT '' CHECK (length(first_name) <= 100),
    profession       text NOT NULL CHECK (profession IN ('medecin_generaliste', 'medecin_specialiste', 'infirmier',
                         'pharmacien', 'masseur_kinesitherapeute', 'sage_femme', 'chirurgien_dentiste', 'orthophoniste',
                         'pedicure_podologue', 'psychologue', 'acteur_medico_social', 'acteur_social', 'etablissement', 'autre')),
    specialty        text NOT NULL DEFAULT '' CHECK (length(specialty) <= 100),
    mode             text NOT NULL CHECK (mode IN ('liberal', 'salarie', 'structure')),
    rpps             text CHECK (rpps ~ '^[0-9]{11}$'),
    commune_code     text NOT NULL REFERENCES communes (code),
    own_structure_id bigint REFERENCES organisations (id) ON DELETE SET NULL,
    email            text NOT NULL DEFAULT '' CHECK (length(email) <= 254),
    phone            text NOT NULL DEFAULT '' CHECK (length(phone) <= 20),
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    created_by       bigint REFERENCES users (id) ON DELETE SET NULL,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    updated_by       bigint REFERENCES users (id) ON DELETE SET NULL,
    CHECK (own_structure_id IS NULL OR own_structure_id <> structure_id)
);
-- One professional appears once in a structure.
CREATE UNIQUE INDEX members_structure_rpps_idx ON members (structure_id, rpps) WHERE rpps IS NOT NULL;
CREATE INDEX members_structure_name_idx ON members (structure_id, lower(last_name), lower(first_name), id);
CREATE INDEX members_commune_idx ON members (commune_code);
CREATE INDEX members_own_structure_idx ON members (own_structure_id) WHERE own_structure_id IS NOT NULL;

-- History of the registry's changes (who, when, what), written in the same
-- transaction as the change.
CREATE TABLE structure_changes (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    structure_id bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    user_id      bigint REFERENCES users (id) ON DELETE SET NULL,
    at           timestamptz NOT NULL DEFAULT now(),
    action       text NOT NULL CHECK (action IN ('create', 'update', 'archive', 'member_add', 'member_update', 'member_remove', 'member_import')),
    summary      text NOT NULL CHECK (length(summary) <= 2000)
);
CREATE INDEX structure_changes_structure_idx ON structure_changes (structure_id, at DESC);

-- +goose Down
DROP TABLE structure_changes;
DROP TABLE members;
DROP INDEX organisations_coordinator_idx;
DROP INDEX organisations_finess_idx;
DROP INDEX organisations_siret_idx;
ALTER TABLE organisations
    DROP CONSTRAINT organisations_registry_structure_only,
    DROP COLUMN updated_by,
    DROP COLUMN coordinator_user_id,
    DROP COLUMN aci_signed_on,
    DROP COLUMN ars_validated_on,
    DROP COLUMN created_on,
    DROP COLUMN commune_code,
    DROP COLUMN postal_code,
    DROP COLUMN address_line2,
    DROP COLUMN address_line1,
    DROP COLUMN finess,
    DROP COLUMN siret,
    DROP COLUMN legal_form;
