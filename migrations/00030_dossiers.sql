-- +goose Up
-- Dossiers (candidature à l'ACI) and their tamper-evident audit trail
-- (docs/rules.md §13, §10). The state machine
-- is internal/domain/workflow; every state change is one transaction that
-- updates the dossier row (version + 1) and appends one dossier_audit row.
CREATE TABLE dossiers (
    id                        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    structure_id              bigint NOT NULL REFERENCES organisations (id),
    structure_type            text NOT NULL CHECK (structure_type IN ('CPTS', 'MSP', 'ESP')),
    state                     text NOT NULL DEFAULT 'brouillon' CHECK (state IN (
                                  'brouillon', 'lettre_intention_deposee', 'lettre_intention_validee',
                                  'projet_sante_depose', 'projet_sante_a_completer', 'projet_sante_valide',
                                  'demande_deposee', 'en_instruction', 'complements_demandes',
                                  'avis_favorable', 'avis_defavorable', 'examen_conjoint', 'acceptee', 'refusee')),
    version                   integer NOT NULL DEFAULT 1,
    created_at                timestamptz NOT NULL DEFAULT now(),
    created_by                bigint REFERENCES users (id) ON DELETE SET NULL,
    updated_at                timestamptz NOT NULL DEFAULT now(),
    updated_by                bigint REFERENCES users (id) ON DELETE SET NULL,
    -- when the state last changed (age in the instruction queue)
    state_since               timestamptz NOT NULL DEFAULT now(),
    lettre_deposee_on         date,
    lettre_validated_on       date,  -- starts the 6-month clock (docs/rules.md §5)
    projet_sante_filed_on     date,  -- last filing; réputé validé 2 months later for a CPTS (CSP L1434-12)
    projet_sante_validated_on date,
    demande_deposee_on        date,
    instructeur_user_id       bigint REFERENCES users (id) ON DELETE SET NULL,
    avis                      text CHECK (avis IN ('favorable', 'defavorable')),
    avis_motivation           text NOT NULL DEFAULT '' CHECK (length(avis_motivation) <= 5000),
    position_ars              text CHECK (position_ars IN ('favorable', 'defavorable')),
    position_ars_motivation   text NOT NULL DEFAULT '' CHECK (length(position_ars_motivation) <= 5000),
    position_ars_at           timestamptz,
    position_ars_by           bigint REFERENCES users (id) ON DELETE SET NULL,
    position_dcgdr            text CHECK (position_dcgdr IN ('favorable', 'defavorable')),
    position_dcgdr_motivation text NOT NULL DEFAULT '' CHECK (length(position_dcgdr_motivation) <= 5000),
    position_dcgdr_at         timestamptz,
    position_dcgdr_by         bigint REFERENCES users (id) ON DELETE SET NULL,
    decided_on                date,  -- acceptee / refusee
    signature_appointment_at  timestamptz,
    signature_place           text NOT NULL DEFAULT '' CHECK (length(signature_place) <= 500),
    -- hash of the last dossier_audit row: lets `aci audit verify` detect
    -- deleted tail rows (VerifyChain alone cannot).
    audit_head                text NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000',
    audit_seq                 integer NOT NULL DEFAULT 0
);
-- A structure has at most one open dossier (decision: a refused dossier is
-- closed and a new one may be created; an accepted one is followed by its
-- contract, so it stays the structure's dossier).
CREATE UNIQUE INDEX dossiers_one_open_idx ON dossiers (structure_id) WHERE state <> 'refusee';
CREATE INDEX dossiers_state_idx ON dossiers (state, state_since);
CREATE INDEX dossiers_structure_idx ON dossiers (structure_id);
-- The réputé validé job picks these.
CREATE INDEX dossiers_projet_depose_idx ON dossiers (projet_sante_filed_on) WHERE state = 'projet_sante_depose' AND structure_type = 'CPTS';

-- Audit trail: one row per transition, hash-chained per dossier
-- (workflow.AuditHash). Append-only at the database level (trigger below):
-- only notified_at may be set, by the notifications engine.
CREATE TABLE dossier_audit (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dossier_id    bigint NOT NULL REFERENCES dossiers (id),
    seq           integer NOT NULL CHECK (seq >= 1),
    actor_user_id bigint REFERENCES users (id),  -- NULL: the system
    actor_name    text NOT NULL CHECK (length(actor_name) BETWEEN 1 AND 200),
    at            timestamptz NOT NULL,
    transition    text NOT NULL CHECK (length(transition) BETWEEN 1 AND 64),
    from_state    text NOT NULL,
    to_state      text NOT NULL,
    motivation    text NOT NULL DEFAULT '' CHECK (length(motivation) <= 5000),
    prev_hash     text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
    hash          text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
    notified_at   timestamptz,
    UNIQUE (dossier_id, seq)
);
CREATE INDEX dossier_audit_pending_idx ON dossier_audit (id) WHERE notified_at IS NULL;

-- +goose StatementBegin
CREATE FUNCTION dossier_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'dossier_audit est en ajout seul : suppression refusée' USING ERRCODE = '42501';
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'dossier_audit est en ajout seul : TRUNCATE refusé' USING ERRCODE = '42501';
    END IF;
    IF (NEW.id, NEW.dossier_id, NEW.seq, NEW.actor_user_id, NEW.actor_name, NEW.at, NEW.transition,
        NEW.from_state, NEW.to_state, NEW.motivation, NEW.prev_hash, NEW.hash)
       IS DISTINCT FROM
       (OLD.id, OLD.dossier_id, OLD.seq, OLD.actor_user_id, OLD.actor_name, OLD.at, OLD.transition,
        OLD.from_state, OLD.to_state, OLD.motivation, OLD.prev_hash, OLD.hash) THEN
        RAISE EXCEPTION 'dossier_audit est en ajout seul : seule notified_at peut changer' USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER dossier_audit_no_update BEFORE UPDATE ON dossier_audit
    FOR EACH ROW EXECUTE FUNCTION dossier_audit_append_only();
CREATE TRIGGER dossier_audit_no_delete BEFORE DELETE ON dossier_audit
    FOR EACH ROW EXECUTE FUNCTION dossier_audit_append_only();
CREATE TRIGGER dossier_audit_no_truncate BEFORE TRUNCATE ON dossier_audit
    FOR EACH STATEMENT EXECUTE FUNCTION dossier_audit_append_only();

-- +goose Down
DROP TABLE dossier_audit;
DROP FUNCTION dossier_audit_append_only();
DROP TABLE dossiers;
