-- +goose Up
-- Row-level security, the second wall behind store.Scope (docs/rules.md §36).
-- The store sets four transaction-local settings from the active membership
-- (set_config(name, value, true)): aci.kind (structure, cpam, ars, dcgdr,
-- national, or system for the jobs, login, seed and admin commands), aci.org
-- (the organisation's id), aci.deps (a CPAM's départements, comma-separated)
-- and aci.region (an ARS's or a DCGDR's region). No setting: no row (a pooled
-- connection returns '' after the transaction, hence nullif). The policies
-- below say what Scope says (scope.go); FORCE makes them bind the tables'
-- owner too. Reference data (régions, communes, barèmes...), accounts and
-- sessions, the outbox and the shared territory map carry no policy.

-- +goose StatementBegin
CREATE FUNCTION aci_kind() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('aci.kind', true), '') $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION aci_org() RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('aci.org', true), '')::bigint $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION aci_deps() RETURNS text[] LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT string_to_array(nullif(current_setting('aci.deps', true), ''), ',') $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION aci_region() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('aci.region', true), '') $$;
-- +goose StatementEnd

-- aci_seat_in: a structure seated in département dep is in the territory of
-- the agency of the settings (Scope.seatIn).
-- +goose StatementBegin
CREATE FUNCTION aci_seat_in(dep text) RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT CASE aci_kind()
        WHEN 'cpam' THEN coalesce(dep = ANY(aci_deps()), false)
        WHEN 'ars' THEN dep IN (SELECT d.code FROM departements d WHERE d.region = aci_region())
        WHEN 'dcgdr' THEN dep IN (SELECT d.code FROM departements d WHERE d.region = aci_region())
        ELSE false END $$;
-- +goose StatementEnd

-- aci_sees_structure: the structure sid seated in dep is in the scope of the
-- settings (Scope.structures): its own users, the agencies of its seat and
-- those a filed dossier of it is bound to, national users, the system.
-- +goose StatementBegin
CREATE FUNCTION aci_sees_structure(sid bigint, dep text) RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT CASE
        WHEN aci_kind() IN ('system', 'national') THEN true
        WHEN aci_kind() = 'structure' THEN sid = aci_org()
        WHEN aci_kind() = 'cpam' THEN aci_seat_in(dep) OR EXISTS (SELECT 1 FROM dossiers sb WHERE sb.structure_id = sid AND sb.cpam_id = aci_org())
        WHEN aci_kind() = 'ars' THEN aci_seat_in(dep) OR EXISTS (SELECT 1 FROM dossiers sb WHERE sb.structure_id = sid AND sb.ars_id = aci_org())
        WHEN aci_kind() = 'dcgdr' THEN aci_seat_in(dep) OR EXISTS (SELECT 1 FROM dossiers sb WHERE sb.structure_id = sid AND sb.dcgdr_id = aci_org())
        ELSE false END $$;
-- +goose StatementEnd

-- organisations: the registry identity of structures (name, seat) is read by
-- every signed-in user (the territory map and the member form name other
-- structures); updating or deleting a structure's row takes the
-- Scope.structures rule.
ALTER TABLE organisations ENABLE ROW LEVEL SECURITY;
ALTER TABLE organisations FORCE ROW LEVEL SECURITY;
CREATE POLICY organisations_read ON organisations FOR SELECT USING (aci_kind() IS NOT NULL);
-- Creating an organisation is an act (internal/access decides who may):
-- any membership's settings.
CREATE POLICY organisations_insert ON organisations FOR INSERT WITH CHECK (aci_kind() IS NOT NULL);
CREATE POLICY organisations_update ON organisations FOR UPDATE
    USING (aci_kind() IN ('system', 'national') OR (kind = 'structure' AND aci_sees_structure(id, departement)))
    WITH CHECK (aci_kind() IS NOT NULL);
CREATE POLICY organisations_delete ON organisations FOR DELETE
    USING (aci_kind() IN ('system', 'national') OR (kind = 'structure' AND aci_sees_structure(id, departement)));

-- dossiers: by their binding (Scope.dossiers); a draft (bound_at NULL)
-- follows its structure's current seat (aci_seat_in written out: a function
-- with a subquery is not inlined, and this policy runs under every read of
-- a dossier's rows).
ALTER TABLE dossiers ENABLE ROW LEVEL SECURITY;
ALTER TABLE dossiers FORCE ROW LEVEL SECURITY;
CREATE POLICY dossiers_scope ON dossiers USING (CASE
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

-- Rows of a dossier: seen by whoever sees the dossier (the dossiers policy
-- applies inside the subquery).
ALTER TABLE dossier_audit ENABLE ROW LEVEL SECURITY;
ALTER TABLE dossier_audit FORCE ROW LEVEL SECURITY;
CREATE POLICY dossier_audit_scope ON dossier_audit USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossiers d WHERE d.id = dossier_id));
ALTER TABLE dossier_complements ENABLE ROW LEVEL SECURITY;
ALTER TABLE dossier_complements FORCE ROW LEVEL SECURITY;
CREATE POLICY dossier_complements_scope ON dossier_complements USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossiers d WHERE d.id = dossier_id));
ALTER TABLE dossier_content ENABLE ROW LEVEL SECURITY;
ALTER TABLE dossier_content FORCE ROW LEVEL SECURITY;
CREATE POLICY dossier_content_scope ON dossier_content USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossiers d WHERE d.id = dossier_id));
ALTER TABLE dossier_indicators ENABLE ROW LEVEL SECURITY;
ALTER TABLE dossier_indicators FORCE ROW LEVEL SECURITY;
CREATE POLICY dossier_indicators_scope ON dossier_indicators USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossiers d WHERE d.id = dossier_id));
ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE documents FORCE ROW LEVEL SECURITY;
CREATE POLICY documents_scope ON documents USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossiers d WHERE d.id = dossier_id));
ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE messages FORCE ROW LEVEL SECURITY;
CREATE POLICY messages_scope ON messages USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossiers d WHERE d.id = dossier_id));
ALTER TABLE contracts ENABLE ROW LEVEL SECURITY;
ALTER TABLE contracts FORCE ROW LEVEL SECURITY;
CREATE POLICY contracts_scope ON contracts USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossiers d WHERE d.id = dossier_id));
ALTER TABLE payments ENABLE ROW LEVEL SECURITY;
ALTER TABLE payments FORCE ROW LEVEL SECURITY;
CREATE POLICY payments_scope ON payments USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossiers d WHERE d.id = dossier_id));
ALTER TABLE accelerator_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE accelerator_sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY accelerator_sessions_scope ON accelerator_sessions USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossiers d WHERE d.id = dossier_id));
ALTER TABLE reminders_sent ENABLE ROW LEVEL SECURITY;
ALTER TABLE reminders_sent FORCE ROW LEVEL SECURITY;
CREATE POLICY reminders_sent_scope ON reminders_sent USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossiers d WHERE d.id = dossier_id));
ALTER TABLE message_reads ENABLE ROW LEVEL SECURITY;
ALTER TABLE message_reads FORCE ROW LEVEL SECURITY;
CREATE POLICY message_reads_scope ON message_reads USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM dossiers d WHERE d.id = dossier_id));

-- Rows of a contract: seen by whoever sees the contract (so its dossier).
ALTER TABLE contract_signatures ENABLE ROW LEVEL SECURITY;
ALTER TABLE contract_signatures FORCE ROW LEVEL SECURITY;
CREATE POLICY contract_signatures_scope ON contract_signatures USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM contracts c WHERE c.id = contract_id));
ALTER TABLE contract_avenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE contract_avenants FORCE ROW LEVEL SECURITY;
CREATE POLICY contract_avenants_scope ON contract_avenants USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM contracts c WHERE c.id = contract_id));
ALTER TABLE contract_year_closings ENABLE ROW LEVEL SECURITY;
ALTER TABLE contract_year_closings FORCE ROW LEVEL SECURITY;
CREATE POLICY contract_year_closings_scope ON contract_year_closings USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM contracts c WHERE c.id = contract_id));
ALTER TABLE contract_missions ENABLE ROW LEVEL SECURITY;
ALTER TABLE contract_missions FORCE ROW LEVEL SECURITY;
CREATE POLICY contract_missions_scope ON contract_missions USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM contracts c WHERE c.id = contract_id));
ALTER TABLE year_evaluations ENABLE ROW LEVEL SECURITY;
ALTER TABLE year_evaluations FORCE ROW LEVEL SECURITY;
CREATE POLICY year_evaluations_scope ON year_evaluations USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM contracts c WHERE c.id = contract_id));
ALTER TABLE year_values ENABLE ROW LEVEL SECURITY;
ALTER TABLE year_values FORCE ROW LEVEL SECURITY;
CREATE POLICY year_values_scope ON year_values USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM contracts c WHERE c.id = contract_id));
ALTER TABLE year_files ENABLE ROW LEVEL SECURITY;
ALTER TABLE year_files FORCE ROW LEVEL SECURITY;
CREATE POLICY year_files_scope ON year_files USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM contracts c WHERE c.id = contract_id));
ALTER TABLE year_questions ENABLE ROW LEVEL SECURITY;
ALTER TABLE year_questions FORCE ROW LEVEL SECURITY;
CREATE POLICY year_questions_scope ON year_questions USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM contracts c WHERE c.id = contract_id));
ALTER TABLE year_meetings ENABLE ROW LEVEL SECURITY;
ALTER TABLE year_meetings FORCE ROW LEVEL SECURITY;
CREATE POLICY year_meetings_scope ON year_meetings USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM contracts c WHERE c.id = contract_id));
ALTER TABLE year_corrections ENABLE ROW LEVEL SECURITY;
ALTER TABLE year_corrections FORCE ROW LEVEL SECURITY;
CREATE POLICY year_corrections_scope ON year_corrections USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM contracts c WHERE c.id = contract_id));
ALTER TABLE crisis_plan_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE crisis_plan_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY crisis_plan_versions_scope ON crisis_plan_versions USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM contracts c WHERE c.id = contract_id));
ALTER TABLE contract_documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE contract_documents FORCE ROW LEVEL SECURITY;
CREATE POLICY contract_documents_scope ON contract_documents USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM contracts c WHERE c.id = contract_id));

-- Rows of a document, a message, an avenant: seen with their parent.
ALTER TABLE document_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE document_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY document_versions_scope ON document_versions USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM documents p WHERE p.id = document_id));
ALTER TABLE document_reviews ENABLE ROW LEVEL SECURITY;
ALTER TABLE document_reviews FORCE ROW LEVEL SECURITY;
CREATE POLICY document_reviews_scope ON document_reviews USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM documents p WHERE p.id = document_id));
ALTER TABLE message_attachments ENABLE ROW LEVEL SECURITY;
ALTER TABLE message_attachments FORCE ROW LEVEL SECURITY;
CREATE POLICY message_attachments_scope ON message_attachments USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM messages p WHERE p.id = message_id));
ALTER TABLE contract_avenant_signatures ENABLE ROW LEVEL SECURITY;
ALTER TABLE contract_avenant_signatures FORCE ROW LEVEL SECURITY;
CREATE POLICY contract_avenant_signatures_scope ON contract_avenant_signatures USING (aci_kind() IN ('system', 'national') OR EXISTS (SELECT 1 FROM contract_avenants p WHERE p.id = avenant_id));

-- Rows of a structure (its members, its history, its seat requests): Scope.structures.
ALTER TABLE members ENABLE ROW LEVEL SECURITY;
ALTER TABLE members FORCE ROW LEVEL SECURITY;
CREATE POLICY members_scope ON members USING (aci_kind() IN ('system', 'national')
    OR EXISTS (SELECT 1 FROM organisations o WHERE o.id = structure_id AND aci_sees_structure(o.id, o.departement)));
ALTER TABLE structure_changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE structure_changes FORCE ROW LEVEL SECURITY;
CREATE POLICY structure_changes_scope ON structure_changes USING (aci_kind() IN ('system', 'national')
    OR EXISTS (SELECT 1 FROM organisations o WHERE o.id = structure_id AND aci_sees_structure(o.id, o.departement)));
-- The history of a structure just created by a coordinator is written
-- before their scope includes it: a history row may be added by any
-- membership (it is append-only; reading it takes the rule above).
CREATE POLICY structure_changes_log ON structure_changes FOR INSERT WITH CHECK (aci_kind() IS NOT NULL);
ALTER TABLE seat_change_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE seat_change_requests FORCE ROW LEVEL SECURITY;
CREATE POLICY seat_change_requests_scope ON seat_change_requests USING (aci_kind() IN ('system', 'national')
    OR EXISTS (SELECT 1 FROM organisations o WHERE o.id = structure_id AND aci_sees_structure(o.id, o.departement)));

-- crises: Scope.crises (the region of an ARS or a DCGDR; for a CPAM, a
-- crisis of its region whose territory includes one of its départements;
-- for a structure, a crisis that paid it).
ALTER TABLE crises ENABLE ROW LEVEL SECURITY;
ALTER TABLE crises FORCE ROW LEVEL SECURITY;
CREATE POLICY crises_scope ON crises USING (CASE
    WHEN aci_kind() IN ('system', 'national') THEN true
    WHEN aci_kind() IN ('ars', 'dcgdr') THEN region = aci_region()
    WHEN aci_kind() = 'cpam' THEN region IN (SELECT d.region FROM departements d WHERE d.code = ANY(aci_deps()))
        AND (cardinality(departements) = 0 OR departements && aci_deps())
    WHEN aci_kind() = 'structure' THEN EXISTS (SELECT 1 FROM crisis_results cr WHERE cr.crisis_id = id AND cr.payment_id IS NOT NULL AND cr.structure_id = aci_org())
    ELSE false END);

-- +goose Down
DROP POLICY seat_change_requests_scope ON seat_change_requests;
ALTER TABLE seat_change_requests NO FORCE ROW LEVEL SECURITY;
ALTER TABLE seat_change_requests DISABLE ROW LEVEL SECURITY;
DROP POLICY structure_changes_log ON structure_changes;
DROP POLICY structure_changes_scope ON structure_changes;
ALTER TABLE structure_changes NO FORCE ROW LEVEL SECURITY;
ALTER TABLE structure_changes DISABLE ROW LEVEL SECURITY;
DROP POLICY members_scope ON members;
ALTER TABLE members NO FORCE ROW LEVEL SECURITY;
ALTER TABLE members DISABLE ROW LEVEL SECURITY;
DROP POLICY contract_avenant_signatures_scope ON contract_avenant_signatures;
ALTER TABLE contract_avenant_signatures NO FORCE ROW LEVEL SECURITY;
ALTER TABLE contract_avenant_signatures DISABLE ROW LEVEL SECURITY;
DROP POLICY message_attachments_scope ON message_attachments;
ALTER TABLE message_attachments NO FORCE ROW LEVEL SECURITY;
ALTER TABLE message_attachments DISABLE ROW LEVEL SECURITY;
DROP POLICY document_reviews_scope ON document_reviews;
ALTER TABLE document_reviews NO FORCE ROW LEVEL SECURITY;
ALTER TABLE document_reviews DISABLE ROW LEVEL SECURITY;
DROP POLICY document_versions_scope ON document_versions;
ALTER TABLE document_versions NO FORCE ROW LEVEL SECURITY;
ALTER TABLE document_versions DISABLE ROW LEVEL SECURITY;
DROP POLICY contract_documents_scope ON contract_documents;
ALTER TABLE contract_documents NO FORCE ROW LEVEL SECURITY;
ALTER TABLE contract_documents DISABLE ROW LEVEL SECURITY;
DROP POLICY crisis_plan_versions_scope ON crisis_plan_versions;
ALTER TABLE crisis_plan_versions NO FORCE ROW LEVEL SECURITY;
ALTER TABLE crisis_plan_versions DISABLE ROW LEVEL SECURITY;
DROP POLICY year_corrections_scope ON year_corrections;
ALTER TABLE year_corrections NO FORCE ROW LEVEL SECURITY;
ALTER TABLE year_corrections DISABLE ROW LEVEL SECURITY;
DROP POLICY year_meetings_scope ON year_meetings;
ALTER TABLE year_meetings NO FORCE ROW LEVEL SECURITY;
ALTER TABLE year_meetings DISABLE ROW LEVEL SECURITY;
DROP POLICY year_questions_scope ON year_questions;
ALTER TABLE year_questions NO FORCE ROW LEVEL SECURITY;
ALTER TABLE year_questions DISABLE ROW LEVEL SECURITY;
DROP POLICY year_files_scope ON year_files;
ALTER TABLE year_files NO FORCE ROW LEVEL SECURITY;
ALTER TABLE year_files DISABLE ROW LEVEL SECURITY;
DROP POLICY year_values_scope ON year_values;
ALTER TABLE year_values NO FORCE ROW LEVEL SECURITY;
ALTER TABLE year_values DISABLE ROW LEVEL SECURITY;
DROP POLICY year_evaluations_scope ON year_evaluations;
ALTER TABLE year_evaluations NO FORCE ROW LEVEL SECURITY;
ALTER TABLE year_evaluations DISABLE ROW LEVEL SECURITY;
DROP POLICY contract_missions_scope ON contract_missions;
ALTER TABLE contract_missions NO FORCE ROW LEVEL SECURITY;
ALTER TABLE contract_missions DISABLE ROW LEVEL SECURITY;
DROP POLICY contract_year_closings_scope ON contract_year_closings;
ALTER TABLE contract_year_closings NO FORCE ROW LEVEL SECURITY;
ALTER TABLE contract_year_closings DISABLE ROW LEVEL SECURITY;
DROP POLICY contract_avenants_scope ON contract_avenants;
ALTER TABLE contract_avenants NO FORCE ROW LEVEL SECURITY;
ALTER TABLE contract_avenants DISABLE ROW LEVEL SECURITY;
DROP POLICY contract_signatures_scope ON contract_signatures;
ALTER TABLE contract_signatures NO FORCE ROW LEVEL SECURITY;
ALTER TABLE contract_signatures DISABLE ROW LEVEL SECURITY;
DROP POLICY message_reads_scope ON message_reads;
ALTER TABLE message_reads NO FORCE ROW LEVEL SECURITY;
ALTER TABLE message_reads DISABLE ROW LEVEL SECURITY;
DROP POLICY reminders_sent_scope ON reminders_sent;
ALTER TABLE reminders_sent NO FORCE ROW LEVEL SECURITY;
ALTER TABLE reminders_sent DISABLE ROW LEVEL SECURITY;
DROP POLICY accelerator_sessions_scope ON accelerator_sessions;
ALTER TABLE accelerator_sessions NO FORCE ROW LEVEL SECURITY;
ALTER TABLE accelerator_sessions DISABLE ROW LEVEL SECURITY;
DROP POLICY payments_scope ON payments;
ALTER TABLE payments NO FORCE ROW LEVEL SECURITY;
ALTER TABLE payments DISABLE ROW LEVEL SECURITY;
DROP POLICY contracts_scope ON contracts;
ALTER TABLE contracts NO FORCE ROW LEVEL SECURITY;
ALTER TABLE contracts DISABLE ROW LEVEL SECURITY;
DROP POLICY messages_scope ON messages;
ALTER TABLE messages NO FORCE ROW LEVEL SECURITY;
ALTER TABLE messages DISABLE ROW LEVEL SECURITY;
DROP POLICY documents_scope ON documents;
ALTER TABLE documents NO FORCE ROW LEVEL SECURITY;
ALTER TABLE documents DISABLE ROW LEVEL SECURITY;
DROP POLICY dossier_indicators_scope ON dossier_indicators;
ALTER TABLE dossier_indicators NO FORCE ROW LEVEL SECURITY;
ALTER TABLE dossier_indicators DISABLE ROW LEVEL SECURITY;
DROP POLICY dossier_content_scope ON dossier_content;
ALTER TABLE dossier_content NO FORCE ROW LEVEL SECURITY;
ALTER TABLE dossier_content DISABLE ROW LEVEL SECURITY;
DROP POLICY dossier_complements_scope ON dossier_complements;
ALTER TABLE dossier_complements NO FORCE ROW LEVEL SECURITY;
ALTER TABLE dossier_complements DISABLE ROW LEVEL SECURITY;
DROP POLICY dossier_audit_scope ON dossier_audit;
ALTER TABLE dossier_audit NO FORCE ROW LEVEL SECURITY;
ALTER TABLE dossier_audit DISABLE ROW LEVEL SECURITY;
DROP POLICY crises_scope ON crises;
ALTER TABLE crises NO FORCE ROW LEVEL SECURITY;
ALTER TABLE crises DISABLE ROW LEVEL SECURITY;
DROP POLICY dossiers_scope ON dossiers;
ALTER TABLE dossiers NO FORCE ROW LEVEL SECURITY;
ALTER TABLE dossiers DISABLE ROW LEVEL SECURITY;
DROP POLICY organisations_read ON organisations;
DROP POLICY organisations_insert ON organisations;
DROP POLICY organisations_update ON organisations;
DROP POLICY organisations_delete ON organisations;
ALTER TABLE organisations NO FORCE ROW LEVEL SECURITY;
ALTER TABLE organisations DISABLE ROW LEVEL SECURITY;
DROP FUNCTION aci_sees_structure(bigint, text);
DROP FUNCTION aci_seat_in(text);
DROP FUNCTION aci_region();
DROP FUNCTION aci_deps();
DROP FUNCTION aci_org();
DROP FUNCTION aci_kind();
