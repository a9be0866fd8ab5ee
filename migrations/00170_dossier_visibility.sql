-- +goose Up
-- Who sees a dossier, kept in one table (docs/rules.md §36): one row per
-- organisation that sees it — its structure; the CPAM, ARS and DCGDR it is
-- bound to; for a draft (bound_at NULL), the agencies of its structure's
-- current seat (rules §33). Scope's dossier predicates and the policies of
-- the dossier's rows both read it through its primary key: one index probe
-- where each statement carried a union per agency and, through the nested
-- policies, three sub-plans per table (their executor start-up alone cost
-- 0,3 ms a statement on the national data).
--
-- dossier_visibility_rule states the rule from the base tables; the table
-- is that view, kept by the triggers below at each change the rule reads:
-- a dossier created, bound, moved or changing state; a structure's seat; an agency's
-- départements or region; a département's region. The triggers write as
-- the system (aci.kind = system for their statement, the caller's setting
-- given back, as payment_money's do): they must see every dossier and seat.
-- The dossier's state is kept beside each row: a list or a count of an
-- agency's dossiers in some states (its home, its queue) reads the few rows
-- of those states through (org_id, state) instead of probing each of its
-- ~700 dossiers for its state.
CREATE TABLE dossier_visibility (
    org_id     bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    dossier_id bigint NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    state      text   NOT NULL,
    PRIMARY KEY (org_id, dossier_id)
);
CREATE INDEX dossier_visibility_dossier_idx ON dossier_visibility (dossier_id);
CREATE INDEX dossier_visibility_state_idx ON dossier_visibility (org_id, state) INCLUDE (dossier_id);

-- Read under the viewer's settings: an organisation reads its own rows,
-- national users and the system every row; written only as the system.
ALTER TABLE dossier_visibility ENABLE ROW LEVEL SECURITY;
ALTER TABLE dossier_visibility FORCE ROW LEVEL SECURITY;
CREATE POLICY dossier_visibility_read ON dossier_visibility FOR SELECT
    USING (aci_kind() IN ('system', 'national') OR org_id = aci_org());
CREATE POLICY dossier_visibility_write ON dossier_visibility FOR ALL
    USING (aci_kind() = 'system') WITH CHECK (aci_kind() = 'system');

-- The rule (Scope.dossiers before this table, rules §33): the structure;
-- the agencies of the binding; for a draft, the CPAM whose départements
-- include the structure's seat and the ARS and DCGDR of its region.
CREATE VIEW dossier_visibility_rule AS
    SELECT d.structure_id AS org_id, d.id AS dossier_id, d.state FROM dossiers d
    UNION SELECT d.cpam_id, d.id, d.state FROM dossiers d WHERE d.cpam_id IS NOT NULL
    UNION SELECT d.ars_id, d.id, d.state FROM dossiers d WHERE d.ars_id IS NOT NULL
    UNION SELECT d.dcgdr_id, d.id, d.state FROM dossiers d WHERE d.dcgdr_id IS NOT NULL
    UNION SELECT a.id, d.id, d.state FROM dossiers d
        JOIN organisations s ON s.id = d.structure_id AND s.kind = 'structure'
        JOIN organisation_departements od ON od.departement = s.departement
        JOIN organisations a ON a.id = od.org_id AND a.kind = 'cpam'
        WHERE d.bound_at IS NULL
    UNION SELECT a.id, d.id, d.state FROM dossiers d
        JOIN organisations s ON s.id = d.structure_id AND s.kind = 'structure'
        JOIN departements dp ON dp.code = s.departement
        JOIN organisations a ON a.kind IN ('ars', 'dcgdr') AND a.region = dp.region
        WHERE d.bound_at IS NULL;

-- +goose StatementBegin
-- dossier_visibility_refresh recomputes the rows of the dossiers ids. The
-- caller has taken aci.kind = system. Rows inserted in key order, so two
-- transactions never lock them in a cycle.
CREATE FUNCTION dossier_visibility_refresh(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM dossier_visibility WHERE dossier_id = ANY(ids);
    INSERT INTO dossier_visibility (org_id, dossier_id, state)
        SELECT r.org_id, r.dossier_id, r.state FROM dossier_visibility_rule r WHERE r.dossier_id = ANY(ids) ORDER BY 1, 2;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- New dossiers (one statement: an application's INSERT, the national
-- seed's COPY).
CREATE FUNCTION dossier_visibility_ins() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    caller text := current_setting('aci.kind', true);
BEGIN
    PERFORM set_config('aci.kind', 'system', true);
    PERFORM dossier_visibility_refresh(ARRAY(SELECT n.id FROM new_rows n));
    PERFORM set_config('aci.kind', coalesce(caller, ''), true);
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER dossier_visibility_ins AFTER INSERT ON dossiers
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dossier_visibility_ins();

-- +goose StatementBegin
-- A dossier bound (filed), moved to another structure or re-bound.
CREATE FUNCTION dossier_visibility_dossier() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    caller text := current_setting('aci.kind', true);
BEGIN
    PERFORM set_config('aci.kind', 'system', true);
    PERFORM dossier_visibility_refresh(ARRAY[NEW.id]);
    PERFORM set_config('aci.kind', coalesce(caller, ''), true);
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER dossier_visibility_dossier AFTER UPDATE OF structure_id, cpam_id, ars_id, dcgdr_id, bound_at ON dossiers
    FOR EACH ROW WHEN (OLD.structure_id IS DISTINCT FROM NEW.structure_id OR OLD.cpam_id IS DISTINCT FROM NEW.cpam_id
        OR OLD.ars_id IS DISTINCT FROM NEW.ars_id OR OLD.dcgdr_id IS DISTINCT FROM NEW.dcgdr_id
        OR (OLD.bound_at IS NULL) <> (NEW.bound_at IS NULL))
    EXECUTE FUNCTION dossier_visibility_dossier();

-- +goose StatementBegin
-- A transition: the dossier's rows take its new state.
CREATE FUNCTION dossier_visibility_state() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    caller text := current_setting('aci.kind', true);
BEGIN
    PERFORM set_config('aci.kind', 'system', true);
    UPDATE dossier_visibility SET state = NEW.state WHERE dossier_id = NEW.id;
    PERFORM set_config('aci.kind', coalesce(caller, ''), true);
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER dossier_visibility_state AFTER UPDATE OF state ON dossiers
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION dossier_visibility_state();

-- +goose StatementBegin
-- A structure's seat moved: its drafts follow it.
CREATE FUNCTION dossier_visibility_seat() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    caller text := current_setting('aci.kind', true);
BEGIN
    PERFORM set_config('aci.kind', 'system', true);
    PERFORM dossier_visibility_refresh(ARRAY(SELECT d.id FROM dossiers d WHERE d.structure_id = NEW.id AND d.bound_at IS NULL));
    PERFORM set_config('aci.kind', coalesce(caller, ''), true);
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER dossier_visibility_seat AFTER UPDATE OF departement ON organisations
    FOR EACH ROW WHEN (NEW.kind = 'structure' AND OLD.departement IS DISTINCT FROM NEW.departement)
    EXECUTE FUNCTION dossier_visibility_seat();

-- +goose StatementBegin
-- An agency's territory changed (a CPAM's départements, an ARS's or a
-- DCGDR's region, a new agency, a département's region): every draft is
-- recomputed (rare acts of the administration; drafts are few).
CREATE FUNCTION dossier_visibility_drafts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    caller text := current_setting('aci.kind', true);
BEGIN
    PERFORM set_config('aci.kind', 'system', true);
    PERFORM dossier_visibility_refresh(ARRAY(SELECT d.id FROM dossiers d WHERE d.bound_at IS NULL));
    PERFORM set_config('aci.kind', coalesce(caller, ''), true);
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER dossier_visibility_agency_departements AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON organisation_departements
    FOR EACH STATEMENT EXECUTE FUNCTION dossier_visibility_drafts();
CREATE TRIGGER dossier_visibility_agency_region AFTER UPDATE OF region, kind ON organisations
    FOR EACH ROW WHEN (NEW.kind IN ('ars', 'dcgdr') AND (OLD.region IS DISTINCT FROM NEW.region OR OLD.kind IS DISTINCT FROM NEW.kind))
    EXECUTE FUNCTION dossier_visibility_drafts();
CREATE TRIGGER dossier_visibility_agency_new AFTER INSERT ON organisations
    FOR EACH ROW WHEN (NEW.kind IN ('ars', 'dcgdr'))
    EXECUTE FUNCTION dossier_visibility_drafts();
CREATE TRIGGER dossier_visibility_departement_region AFTER UPDATE OF region ON departements
    FOR EACH STATEMENT EXECUTE FUNCTION dossier_visibility_drafts();

-- The dossiers that exist now.
INSERT INTO dossier_visibility (org_id, dossier_id, state) SELECT org_id, dossier_id, state FROM dossier_visibility_rule ORDER BY 1, 2;

-- The policies read the table: a dossier, and each row that names its
-- dossier, is seen by the organisations of its rows (national users and
-- the system see every row, as before). Rows of a contract, a document, a
-- message, an avenant still go through their parent, whose policy is now
-- one probe.
-- A row written (a new dossier, a filing that binds it) is checked by the
-- rule itself, as before: its rows of dossier_visibility are written by the
-- triggers after the statement.
-- A structure's users read their dossiers by the column itself: a new
-- dossier is read back (INSERT ... RETURNING) before the triggers write its
-- rows.
ALTER POLICY dossiers_scope ON dossiers USING (aci_kind() IN ('system', 'national')
    OR (aci_kind() = 'structure' AND structure_id = aci_org())
    OR EXISTS (SELECT 1 FROM dossier_visibility v WHERE v.org_id = aci_org() AND v.dossier_id = dossiers.id))
    WITH CHECK (CASE
    WHEN aci_kind() IN ('system', 'national') THEN true
    WHEN aci_kind() = 'structure' THEN structure_id = aci_org()
    WHEN aci_kind() = 'cpam' THEN cpam_id = aci_org()
        OR (bound_at IS NULL AND EXISTS (SELECT 1 FROM organisations so WHERE so.id = structure_id AND so.kind = 'structure'
            AND so.departement = ANY(aci_deps())))
    WHEN aci_kind() = 'ars' THEN ars_id = aci_org()
        OR (bound_at IS NULL AND EXISTS (SELECT 1 FROM organisations so JOIN departements sd ON sd.code = so.departement
            WHERE so.id = structure_id AND so.kind = 'structure' AND sd.region = aci_region()))
    WHEN aci_kind() = 'dcgdr' THEN dcgdr_id = aci_org()
        OR (bound_at IS NULL AND EXISTS (SELECT 1 FROM organisations so JOIN departements sd ON sd.code = so.departement
            WHERE so.id = structure_id AND so.kind = 'structure' AND sd.region = aci_region()))
    ELSE false END);
ALTER POLICY dossier_audit_scope ON dossier_audit USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossier_visibility v WHERE v.org_id = aci_org() AND v.dossier_id = dossier_audit.dossier_id));
ALTER POLICY dossier_complements_scope ON dossier_complements USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossier_visibility v WHERE v.org_id = aci_org() AND v.dossier_id = dossier_complements.dossier_id));
ALTER POLICY dossier_content_scope ON dossier_content USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossier_visibility v WHERE v.org_id = aci_org() AND v.dossier_id = dossier_content.dossier_id));
ALTER POLICY dossier_indicators_scope ON dossier_indicators USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossier_visibility v WHERE v.org_id = aci_org() AND v.dossier_id = dossier_indicators.dossier_id));
ALTER POLICY documents_scope ON documents USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossier_visibility v WHERE v.org_id = aci_org() AND v.dossier_id = documents.dossier_id));
ALTER POLICY messages_scope ON messages USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossier_visibility v WHERE v.org_id = aci_org() AND v.dossier_id = messages.dossier_id));
ALTER POLICY contracts_scope ON contracts USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossier_visibility v WHERE v.org_id = aci_org() AND v.dossier_id = contracts.dossier_id));
ALTER POLICY payments_scope ON payments USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossier_visibility v WHERE v.org_id = aci_org() AND v.dossier_id = payments.dossier_id));
ALTER POLICY accelerator_sessions_scope ON accelerator_sessions USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossier_visibility v WHERE v.org_id = aci_org() AND v.dossier_id = accelerator_sessions.dossier_id));
ALTER POLICY reminders_sent_scope ON reminders_sent USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossier_visibility v WHERE v.org_id = aci_org() AND v.dossier_id = reminders_sent.dossier_id));
ALTER POLICY message_reads_scope ON message_reads USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossier_visibility v WHERE v.org_id = aci_org() AND v.dossier_id = message_reads.dossier_id));

-- +goose Down
ALTER POLICY dossier_audit_scope ON dossier_audit USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossiers d WHERE d.id = dossier_id));
ALTER POLICY dossier_complements_scope ON dossier_complements USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossiers d WHERE d.id = dossier_id));
ALTER POLICY dossier_content_scope ON dossier_content USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossiers d WHERE d.id = dossier_id));
ALTER POLICY dossier_indicators_scope ON dossier_indicators USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossiers d WHERE d.id = dossier_id));
ALTER POLICY documents_scope ON documents USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossiers d WHERE d.id = dossier_id));
ALTER POLICY messages_scope ON messages USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossiers d WHERE d.id = dossier_id));
ALTER POLICY contracts_scope ON contracts USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossiers d WHERE d.id = dossier_id));
ALTER POLICY payments_scope ON payments USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossiers d WHERE d.id = dossier_id));
ALTER POLICY accelerator_sessions_scope ON accelerator_sessions USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossiers d WHERE d.id = dossier_id));
ALTER POLICY reminders_sent_scope ON reminders_sent USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossiers d WHERE d.id = dossier_id));
ALTER POLICY message_reads_scope ON message_reads USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossiers d WHERE d.id = dossier_id));
ALTER POLICY dossiers_scope ON dossiers USING (CASE
    WHEN aci_kind() IN ('system', 'national') THEN true
    WHEN aci_kind() = 'structure' THEN structure_id = aci_org()
    WHEN aci_kind() = 'cpam' THEN cpam_id = aci_org()
        OR (bound_at IS NULL AND EXISTS (SELECT 1 FROM organisations so WHERE so.id = structure_id AND so.kind = 'structure'
            AND so.departement = ANY(aci_deps())))
    WHEN aci_kind() = 'ars' THEN ars_id = aci_org()
        OR (bound_at IS NULL AND EXISTS (SELECT 1 FROM organisations so JOIN departements sd ON sd.code = so.departement
            WHERE so.id = structure_id AND so.kind = 'structure' AND sd.region = aci_region()))
    WHEN aci_kind() = 'dcgdr' THEN dcgdr_id = aci_org()
        OR (bound_at IS NULL AND EXISTS (SELECT 1 FROM organisations so JOIN departements sd ON sd.code = so.departement
            WHERE so.id = structure_id AND so.kind = 'structure' AND sd.region = aci_region()))
    ELSE false END);
DROP TRIGGER dossier_visibility_departement_region ON departements;
DROP TRIGGER dossier_visibility_agency_new ON organisations;
DROP TRIGGER dossier_visibility_agency_region ON organisations;
DROP TRIGGER dossier_visibility_agency_departements ON organisation_departements;
DROP TRIGGER dossier_visibility_seat ON organisations;
DROP TRIGGER dossier_visibility_state ON dossiers;
DROP TRIGGER dossier_visibility_dossier ON dossiers;
DROP TRIGGER dossier_visibility_ins ON dossiers;
DROP FUNCTION dossier_visibility_drafts();
DROP FUNCTION dossier_visibility_seat();
DROP FUNCTION dossier_visibility_state();
DROP FUNCTION dossier_visibility_dossier();
DROP FUNCTION dossier_visibility_ins();
DROP FUNCTION dossier_visibility_refresh(bigint[]);
DROP VIEW dossier_visibility_rule;
DROP TABLE dossier_visibility;
