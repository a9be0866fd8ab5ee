package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/domain"
)

// The national data set's bulk path (docs/rules.md §37): the rows are built
// by internal/seed, deterministic from a seed value, and copied here with
// COPY (pgx CopyFrom) in ONE transaction. The ids are chosen by the seed
// (after the ones the demo used: NationalBase): COPY writes an identity
// column's given value, and each sequence is moved past them at the end.

// NationalTable is a table the national data set is copied into.
type NationalTable string

// The tables, in the order they are copied (foreign keys first).
const (
	NatUsers              NationalTable = "users"
	NatOrganisations      NationalTable = "organisations"
	NatOrgDepartements    NationalTable = "organisation_departements"
	NatMemberships        NationalTable = "memberships"
	NatMembers            NationalTable = "members"
	NatTerritoryCommunes  NationalTable = "territory_communes"
	NatTerritories        NationalTable = "territories"
	NatDossiers           NationalTable = "dossiers"
	NatDossierContent     NationalTable = "dossier_content"
	NatDossierAudit       NationalTable = "dossier_audit"
	NatContracts          NationalTable = "contracts"
	NatSignatures         NationalTable = "contract_signatures"
	NatMissions           NationalTable = "contract_missions"
	NatYearEvaluations    NationalTable = "year_evaluations"
	NatYearValues         NationalTable = "year_values"
	NatYearMeetings       NationalTable = "year_meetings"
	NatYearClosings       NationalTable = "contract_year_closings"
	NatPayments           NationalTable = "payments"
	NatAvenants           NationalTable = "contract_avenants"
	NatAvenantSignatures  NationalTable = "contract_avenant_signatures"
	NatCrises             NationalTable = "crises"
	NatCrisisResults      NationalTable = "crisis_results"
	NatStoredFiles        NationalTable = "stored_files"
	NatDocuments          NationalTable = "documents"
	NatDocumentVersions   NationalTable = "document_versions"
	NatMessages           NationalTable = "messages"
	NatMessageReads       NationalTable = "message_reads"
	natContractsWithTerms NationalTable = "contracts (terms)"
)

// NationalTables lists the tables in copy order.
func NationalTables() []NationalTable {
	return []NationalTable{NatUsers, NatOrganisations, NatOrgDepartements, NatMemberships, NatMembers,
		NatTerritoryCommunes, NatTerritories, NatDossiers, NatDossierContent, NatDossierAudit, NatContracts, NatSignatures, NatMissions,
		NatYearEvaluations, NatYearValues, NatYearMeetings, NatYearClosings, NatPayments, NatAvenants,
		NatAvenantSignatures, NatCrises, NatCrisisResults, NatStoredFiles, NatDocuments, NatDocumentVersions, NatMessages, NatMessageReads}
}

// NationalColumns is the column list of a table's rows, in the order the
// seed gives their values. A contract row gives every column but the four
// the store computes from the dossier (bareme_code, terms, document_html,
// document_sha256: buildTerms, the same as at an acceptance).
func NationalColumns(t NationalTable) []string {
	switch t {
	case NatUsers:
		return []string{"id", "email", "name", "password_hash", "created_at"}
	case NatOrganisations:
		return []string{"id", "kind", "name", "structure_type", "departement", "region", "created_at", "updated_at",
			"legal_form", "siret", "finess", "address_line1", "postal_code", "commune_code", "created_on",
			"coordinator_user_id"}
	case NatOrgDepartements:
		return []string{"org_id", "departement"}
	case NatMemberships:
		return []string{"user_id", "org_id", "role", "created_at"}
	case NatMembers:
		return []string{"structure_id", "last_name", "first_name", "profession", "mode", "rpps", "commune_code", "created_at", "updated_at"}
	case NatTerritoryCommunes:
		return []string{"structure_id", "commune_code", "added_at", "added_by"}
	case NatTerritories:
		return []string{"structure_id", "version", "updated_at", "updated_by"}
	case NatDossiers:
		return []string{"id", "structure_id", "structure_type", "state", "version", "created_at", "created_by", "updated_at",
			"updated_by", "state_since", "lettre_deposee_on", "lettre_validated_on", "projet_sante_filed_on",
			"projet_sante_validated_on", "demande_deposee_on", "instructeur_user_id", "avis", "avis_motivation",
			"position_ars", "position_ars_at", "position_ars_by", "position_dcgdr", "position_dcgdr_at", "position_dcgdr_by",
			"decided_on", "audit_head", "audit_seq", "bound_at", "seat_departement", "cpam_id", "ars_id", "dcgdr_id"}
	case NatDossierContent:
		return []string{"dossier_id", "patientele", "patientele_version", "patientele_updated_at", "patientele_updated_by"}
	case NatDossierAudit:
		return []string{"id", "dossier_id", "seq", "actor_user_id", "actor_name", "at", "transition", "from_state",
			"to_state", "motivation", "prev_hash", "hash", "notified_at"}
	case NatContracts:
		return []string{"id", "dossier_id", "structure_id", "structure_type", "state", "version", "created_at",
			"updated_at", "tier", "population", "patientele", "start_date", "end_date", "resiliation_received_on",
			"resiliation_effective_on", "resiliation_requested_by", "resilie_on", "trop_percu_cents", "reste_du_cents",
			"motivation", "resiliation_letter_on", "resiliation_status"}
	case natContractsWithTerms:
		return append(NationalColumns(NatContracts), "bareme_code", "terms", "document_html", "document_sha256")
	case NatSignatures:
		return []string{"contract_id", "party", "organisation_id", "organisation", "user_id", "user_name", "role", "signed_at", "document_sha256"}
	case NatMissions:
		return []string{"contract_id", "mission", "started_on", "start_evidence", "started_at", "started_by", "started_by_name",
			"deployed_on", "deploy_evidence", "deployed_at", "deployed_by", "deployed_by_name"}
	case NatYearEvaluations:
		return []string{"contract_id", "year", "status", "updated_at", "submitted_at", "submitted_by", "submitted_by_name"}
	case NatYearValues:
		return []string{"contract_id", "year", "code", "unit", "declared", "comment", "validated", "reason",
			"validated_at", "validated_by", "validated_by_name"}
	case NatYearMeetings:
		return []string{"contract_id", "year", "held_on", "participants_structure", "participants_cpam", "participants_ars",
			"minutes", "recorded_at", "recorded_by", "recorded_by_name"}
	case NatYearClosings:
		return []string{"contract_id", "contract_year", "closed_on", "closed_at", "closed_by", "closed_by_name"}
	case NatPayments:
		return []string{"id", "contract_id", "dossier_id", "structure_id", "seq", "due_on", "contract_year", "mission", "kind",
			"amount_cents", "rule", "rule_key", "status", "created_at", "ordered_on", "ordered_by", "paid_on", "paid_by",
			"paid_ref", "cancelled_on", "cancelled_by", "cancel_reason"}
	case NatAvenants:
		return []string{"id", "contract_id", "number", "object", "effective_on", "contract_version", "created_at", "created_by",
			"created_by_name", "status", "proposed_by_party", "accepted_at", "accepted_by_name", "signed_at"}
	case NatAvenantSignatures:
		return []string{"avenant_id", "party", "organisation_id", "organisation", "user_id", "user_name", "signed_at"}
	case NatCrises:
		return []string{"id", "ars_id", "region", "name", "start_on", "end_on", "departements", "declared_on", "declared_at",
			"declared_by", "declared_by_name"}
	case NatCrisisResults:
		return []string{"crisis_id", "contract_id", "structure_id", "payment_id", "amount_cents", "reason"}
	case NatStoredFiles:
		return []string{"id", "filename", "media_type", "size", "sha256", "content", "uploaded_at", "uploaded_by"}
	case NatDocuments:
		return []string{"id", "dossier_id", "code", "title", "review_state", "review_comment", "reviewed_at", "reviewed_by",
			"versions", "created_at", "updated_at"}
	case NatDocumentVersions:
		return []string{"document_id", "n", "file_id", "generated"}
	case NatMessages:
		return []string{"id", "dossier_id", "author_user_id", "author_name", "org_id", "org_name", "org_kind", "body", "internal", "created_at"}
	case NatMessageReads:
		return []string{"user_id", "dossier_id", "last_read_message_id"}
	}
	return nil
}

// NationalBatch is the national data set to copy: rows per table, each in
// the order of NationalColumns.
type NationalBatch struct {
	rows map[NationalTable][][]any
}

// NewNationalBatch returns an empty batch.
func NewNationalBatch() *NationalBatch {
	return &NationalBatch{rows: map[NationalTable][][]any{}}
}

// Add appends one row of table t; its values follow NationalColumns(t). A
// signature's document_sha256 given as nil is the signed contract's
// (computed by LoadNational).
func (b *NationalBatch) Add(t NationalTable, vals ...any) error {
	if n := len(NationalColumns(t)); n != len(vals) {
		return fmt.Errorf("NationalBatch.Add %s: %d valeurs pour %d colonnes", t, len(vals), n)
	}
	b.rows[t] = append(b.rows[t], vals)
	return nil
}

// Count is the number of rows of table t in the batch.
func (b *NationalBatch) Count(t NationalTable) int { return len(b.rows[t]) }

// NationalCommune is one current commune of the reference data.
type NationalCommune struct {
	Code, Nom, Departement, Region string
	Population                     int64
	Taken                          bool // already in a CPTS territory (the demo's)
}

// NationalAgency is an agency that already exists (the demo's), by kind and
// the region or départements it covers.
type NationalAgency struct {
	ID           int64
	Kind         domain.OrgKind
	Name         string
	Region       string
	Departements []string
}

// NationalBase is what the national seed starts from: the reference data,
// the agencies and names the demo created, and the highest id of each
// table whose ids the seed chooses.
type NationalBase struct {
	Regions      [][2]string // code, nom
	Departements [][3]string // code, nom, region
	Communes     []NationalCommune
	Agencies     []NationalAgency
	OrgNames     map[string]bool // kind + "|" + lower(name)
	MaxID        map[NationalTable]int64
	Today        domain.Date
	Now          time.Time
}

// IsEmpty reports whether the database holds no organisation and no
// account: the national data set goes only into an empty, migrated database.
func (s *Store) IsEmpty(ctx context.Context) (bool, error) {
	var n int64
	err := s.sys().QueryRow(ctx, `SELECT (SELECT count(*) FROM organisations) + (SELECT count(*) FROM users)`).Scan(&n)
	return n == 0, pgError("store.IsEmpty", err)
}

// NationalBase reads what the national seed starts from.
func (s *Store) NationalBase(ctx context.Context) (NationalBase, error) {
	now := s.now()
	b := NationalBase{OrgNames: map[string]bool{}, MaxID: map[NationalTable]int64{}, Today: domain.DateOf(now), Now: now}
	rows, err := s.sys().Query(ctx, `SELECT code, nom FROM regions ORDER BY code`)
	if err != nil {
		return b, pgError("store.NationalBase", err)
	}
	if b.Regions, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]string, error) {
		var x [2]string
		return x, r.Scan(&x[0], &x[1])
	}); err != nil {
		return b, pgError("store.NationalBase", err)
	}
	rows, err = s.sys().Query(ctx, `SELECT code, nom, region FROM departements ORDER BY code`)
	if err != nil {
		return b, pgError("store.NationalBase", err)
	}
	if b.Departements, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) ([3]string, error) {
		var x [3]string
		return x, r.Scan(&x[0], &x[1], &x[2])
	}); err != nil {
		return b, pgError("store.NationalBase", err)
	}
	rows, err = s.sys().Query(ctx, `SELECT c.code, c.nom, c.departement, c.region, c.population::bigint,
		EXISTS (SELECT 1 FROM territory_communes tc WHERE tc.commune_code = c.code)
		FROM communes c WHERE c.actuelle ORDER BY c.departement, c.code`)
	if err != nil {
		return b, pgError("store.NationalBase", err)
	}
	if b.Communes, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (NationalCommune, error) {
		var x NationalCommune
		return x, r.Scan(&x.Code, &x.Nom, &x.Departement, &x.Region, &x.Population, &x.Taken)
	}); err != nil {
		return b, pgError("store.NationalBase", err)
	}
	rows, err = s.sys().Query(ctx, `SELECT o.id, o.kind, o.name, coalesce(o.region, ''),
		coalesce(array_agg(od.departement ORDER BY od.departement) FILTER (WHERE od.departement IS NOT NULL), '{}')
		FROM organisations o LEFT JOIN organisation_departements od ON od.org_id = o.id
		WHERE o.kind IN ('cpam', 'ars', 'dcgdr', 'national') AND o.archived_at IS NULL GROUP BY o.id ORDER BY o.id`)
	if err != nil {
		return b, pgError("store.NationalBase", err)
	}
	if b.Agencies, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (NationalAgency, error) {
		var x NationalAgency
		var kind string
		err := r.Scan(&x.ID, &kind, &x.Name, &x.Region, &x.Departements)
		x.Kind = domain.OrgKind(kind)
		return x, err
	}); err != nil {
		return b, pgError("store.NationalBase", err)
	}
	rows, err = s.sys().Query(ctx, `SELECT kind || '|' || lower(name) FROM organisations`)
	if err != nil {
		return b, pgError("store.NationalBase", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return b, pgError("store.NationalBase", err)
	}
	for _, n := range names {
		b.OrgNames[n] = true
	}
	for _, t := range []NationalTable{NatUsers, NatOrganisations, NatDossiers, NatDossierAudit, NatContracts, NatPayments,
		NatAvenants, NatCrises, NatStoredFiles, NatDocuments, NatMessages} {
		var id int64
		if err := s.sys().QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM `+string(t)).Scan(&id); err != nil {
			return b, pgError("store.NationalBase", err)
		}
		b.MaxID[t] = id
	}
	return b, nil
}

// NationalContractTier is the tier and population the store froze in a
// contract's terms, returned so the seed can check they are the ones its
// schedule was computed on.
type NationalContractTier struct {
	Tier       int
	Population int64
	Patientele int64
}

// LoadNational copies the batch in one transaction: every table in
// NationalTables order, the contracts' terms and documents built as at an
// acceptance (buildTerms, Options.RenderContract) from the rows already
// copied, then every identity sequence moved past the ids the seed chose.
// check, when not nil, is called with each contract's frozen terms before
// anything is committed (the seed checks them against its schedule).
func (s *Store) LoadNational(ctx context.Context, b *NationalBatch, check func(contractID int64, t NationalContractTier) error) error {
	// A system path on the owner's connection: COPY, which PostgreSQL
	// refuses under row-level security, needs a role that bypasses it
	// (docs/rules.md §36, §37).
	return pgError("store.LoadNational", s.sysTx(ctx, func(tx pgx.Tx) error {
		return s.loadNationalTx(ctx, tx, b, check)
	}))
}

func (s *Store) loadNationalTx(ctx context.Context, tx pgx.Tx, b *NationalBatch, check func(contractID int64, t NationalContractTier) error) error {
	var err error
	if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
		return pgError("store.LoadNational", err)
	}
	docHash := map[int64]string{} // contract id → its document's SHA-256, which each signature records
	for _, t := range NationalTables() {
		rows, cols := b.rows[t], NationalColumns(t)
		switch t {
		case NatContracts:
			if rows, err = s.nationalTerms(ctx, tx, rows, check); err != nil {
				return err
			}
			cols = NationalColumns(natContractsWithTerms)
			for _, r := range rows {
				docHash[r[0].(int64)] = r[len(r)-1].(string)
			}
		case NatSignatures:
			for _, r := range rows {
				if r[len(r)-1] == nil {
					r[len(r)-1] = docHash[r[0].(int64)]
				}
			}
		}
		if len(rows) == 0 {
			continue
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{string(t)}, cols, pgx.CopyFromRows(rows)); err != nil {
			return pgError("store.LoadNational "+string(t), err)
		}
	}
	for _, t := range []NationalTable{NatUsers, NatOrganisations, NatMembers, NatDossiers, NatDossierAudit, NatContracts,
		NatSignatures, NatYearValues, NatYearMeetings, NatPayments, NatAvenants, NatCrises, NatStoredFiles, NatDocuments,
		NatDocumentVersions, NatMessages} {
		if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence('`+string(t)+`', 'id'),
			greatest((SELECT max(id) FROM `+string(t)+`), 1))`); err != nil {
			return pgError("store.LoadNational setval "+string(t), err)
		}
	}
	if _, err := tx.Exec(ctx, `ANALYZE`); err != nil {
		return pgError("store.LoadNational", err)
	}
	return nil
}

// nationalTerms completes each contract row with its barème code, frozen
// terms, document and the document's SHA-256, built by buildTerms on the
// dossier's creation date like an acceptance does.
func (s *Store) nationalTerms(ctx context.Context, tx pgx.Tx, rows [][]any, check func(int64, NationalContractTier) error) ([][]any, error) {
	out := make([][]any, 0, len(rows))
	for _, r := range rows {
		id, dossierID, structureID := r[0].(int64), r[1].(int64), r[2].(int64)
		st := domain.StructureType(r[3].(string))
		created := r[6].(time.Time)
		d := &Dossier{ID: dossierID, StructureID: structureID, StructureType: st}
		terms, err := buildTerms(ctx, tx, d, domain.DateOf(created))
		if err != nil {
			return nil, fmt.Errorf("store.LoadNational: contrat %d : %w", id, err)
		}
		if check != nil {
			if err := check(id, NationalContractTier{Tier: terms.Tier, Population: terms.Population, Patientele: terms.RegisteredPatients}); err != nil {
				return nil, err
			}
		}
		raw, err := json.Marshal(terms)
		if err != nil {
			return nil, err
		}
		doc, err := s.renderContract(ctx, raw)
		if err != nil {
			return nil, fmt.Errorf("store.LoadNational: document du contrat %d : %w", id, err)
		}
		sum := sha256.Sum256([]byte(doc))
		row := append(append([]any(nil), r...), terms.BaremeCode, raw, doc, hex.EncodeToString(sum[:]))
		out = append(out, row)
	}
	return out, nil
}

// NationalChecksum is a digest of the national data set's key columns
// (docs/rules.md §37: the same seed gives the same data): organisations,
// territories, dossier states and audit heads, contracts, payments.
func (s *Store) NationalChecksum(ctx context.Context) (string, error) {
	var sum string
	err := s.sys().QueryRow(ctx, `SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
		SELECT 'o' || id || kind || name || coalesce(departement, '') || coalesce(commune_code, '') AS x FROM organisations
		UNION ALL SELECT 't' || structure_id || commune_code FROM territory_communes
		UNION ALL SELECT 'd' || id || structure_id || state || audit_seq FROM dossiers
		UNION ALL SELECT 'c' || id || dossier_id || state || coalesce(tier, 0) || coalesce(start_date::text, '') FROM contracts
		UNION ALL SELECT 'p' || id || coalesce(contract_id, 0) || kind || mission || amount_cents || status || due_on FROM payments
		UNION ALL SELECT 'u' || id || email FROM users) k`).Scan(&sum)
	return sum, pgError("store.NationalChecksum", err)
}

// DatabaseSize is the size of the current database, as PostgreSQL prints it
// (pg_size_pretty(pg_database_size)).
func (s *Store) DatabaseSize(ctx context.Context) (string, error) {
	var size string
	err := s.sys().QueryRow(ctx, `SELECT pg_size_pretty(pg_database_size(current_database()))`).Scan(&size)
	return size, pgError("store.DatabaseSize", err)
}
