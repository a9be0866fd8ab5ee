package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/domain/workflow"
)

// Audit-only actions of an avenant's path (docs/rules.md §31); its third
// signature is recorded as the workflow's avenant transition.
const (
	TransitionAvenantPropose workflow.Transition = "avenant_propose"
	TransitionAvenantAccepte workflow.Transition = "avenant_accepte"
	TransitionAvenantRefuse  workflow.Transition = "avenant_refuse"
	TransitionAvenantSigne   workflow.Transition = "avenant_signe"
)

// Avenant states (migration 00087).
const (
	AvenantPropose = "propose"
	AvenantAccepte = "accepte"
	AvenantSigne   = "signe"
	AvenantRefuse  = "refuse"
)

// AvenantStateLabel is the French state of an avenant.
func AvenantStateLabel(st string) string {
	switch st {
	case AvenantPropose:
		return "proposé, en attente de l'acceptation de la CPAM"
	case AvenantAccepte:
		return "accepté, en attente des signatures"
	case AvenantSigne:
		return "signé par les trois parties"
	case AvenantRefuse:
		return "refusé par la CPAM"
	}
	return st
}

// AvenantChanges is what an avenant changes (docs/rules.md §31).
type AvenantChanges struct {
	Missions []funding.Mission `json:"missions,omitempty"` // optional missions added
	// Indicators is the free text of the avenants recorded before the
	// indicator changes had an effect (shown, never applied).
	Indicators       string             `json:"indicators,omitempty"`
	IndicatorChanges []AvenantIndicator `json:"indicator_changes,omitempty"` // docs/rules.md §31
	Territory        *AvenantTerritory  `json:"territory,omitempty"`
}

// AvenantTerritory is a territory avenant: communes added and removed, the
// population and tier before and after, and the first contract year of the
// new tier (contractlife.TierFromYear; 0: none left in the contract).
type AvenantTerritory struct {
	Add              []string `json:"add,omitempty"`
	Remove           []string `json:"remove,omitempty"`
	PopulationBefore int64    `json:"population_before"`
	PopulationAfter  int64    `json:"population_after"`
	TierBefore       int      `json:"tier_before"`
	TierAfter        int      `json:"tier_after"`
	FromYear         int      `json:"from_year"`
}

// Avenant is one avenant of a contract.
type Avenant struct {
	ID          int64
	ContractID  int64
	Number      int
	Object      string
	EffectiveOn domain.Date
	Status      string
	Changes     AvenantChanges
	ProposedBy  workflow.Party // "" for the free-text avenants recorded before
	CreatedAt   time.Time
	CreatedBy   string
	AcceptedAt  *time.Time
	AcceptedBy  string
	SignedAt    *time.Time
	Refusal     string
	Version     int // the document version it created (signed)
	Signatures  []AvenantSignature
}

// AvenantSignature is one party's signature of an avenant.
type AvenantSignature struct {
	Party        workflow.Party
	Organisation string
	UserName     string
	SignedAt     time.Time
}

// Signed reports whether party p has signed a.
func (a Avenant) Signed(p workflow.Party) bool {
	return slices.ContainsFunc(a.Signatures, func(s AvenantSignature) bool { return s.Party == p })
}

// AvenantProposal is an avenant as proposed by the coordinator or the CPAM.
type AvenantProposal struct {
	ContractID int64
	Version    int // the contract version the form was shown with
	Object     string
	Effective  domain.Date
	Missions   []funding.Mission
	// The indicators (docs/rules.md §31): a new target per indicator code
	// as typed ("" unchanged), the optional indicators removed, the one
	// indicator added.
	Targets          map[string]string
	RemoveIndicators []string
	AddIndicator     AvenantNewIndicator
	AddCommunes      []string
	RemoveCommunes   []string
	At               time.Time
}

// MaxAvenantText bounds the object and the indicators' text of an avenant.
const MaxAvenantText = 5000

const avenantColumns = `v.id, v.contract_id, v.number, v.object, v.effective_on, v.status, v.changes, v.proposed_by_party, v.created_at,
	v.created_by_name, v.accepted_at, v.accepted_by_name, v.signed_at, v.refusal, coalesce(v.contract_version, 0)`

func scanAvenant(r pgx.Row) (Avenant, error) {
	var v Avenant
	var eff time.Time
	var raw []byte
	var party string
	err := r.Scan(&v.ID, &v.ContractID, &v.Number, &v.Object, &eff, &v.Status, &raw, &party, &v.CreatedAt, &v.CreatedBy,
		&v.AcceptedAt, &v.AcceptedBy, &v.SignedAt, &v.Refusal, &v.Version)
	if err != nil {
		return v, err
	}
	v.EffectiveOn, v.ProposedBy = domain.DateOf0(eff), workflow.Party(party)
	if err := json.Unmarshal(raw, &v.Changes); err != nil {
		return v, fmt.Errorf("scanAvenant: %w", err)
	}
	return v, nil
}

func loadAvenantSignatures(ctx context.Context, q querier, avs []Avenant) error {
	if len(avs) == 0 {
		return nil
	}
	ids := make([]int64, len(avs))
	for i, v := range avs {
		ids[i] = v.ID
	}
	rows, err := q.Query(ctx, `SELECT avenant_id, party, organisation, user_name, signed_at FROM contract_avenant_signatures
		WHERE avenant_id = ANY($1) ORDER BY signed_at, party`, ids)
	if err != nil {
		return err
	}
	var id int64
	var s AvenantSignature
	var party string
	_, err = pgx.ForEachRow(rows, []any{&id, &party, &s.Organisation, &s.UserName, &s.SignedAt}, func() error {
		s.Party = workflow.Party(party)
		for i := range avs {
			if avs[i].ID == id {
				avs[i].Signatures = append(avs[i].Signatures, s)
			}
		}
		return nil
	})
	return err
}

// ContractAvenants lists the avenants of contract contractID in scope,
// oldest first (not found outside the scope: an empty list).
func (s *Store) ContractAvenants(ctx context.Context, sc Scope, contractID int64) ([]Avenant, error) {
	var b pgx.Batch
	var out []Avenant
	queueContractAvenants(&b, sc, contractID, &out)
	err := s.db(sc).SendBatch(ctx, &b).Close()
	if err == nil {
		err = loadAvenantSignatures(ctx, s.db(sc), out)
	}
	return out, pgError("store.ContractAvenants", err)
}

// ContractAvenantsAndPayments returns the avenants of contract c, already
// read through the viewer's scope, and its payments, in one batch (the
// avenants' signatures, when it has avenants, in one more statement): the
// contract page (docs/rules.md §35).
func (s *Store) ContractAvenantsAndPayments(ctx context.Context, sc Scope, c Contract) ([]Avenant, []PaymentRow, error) {
	var avs []Avenant
	var ps []PaymentRow
	rd := NewReads(sc)
	rd.ContractAvenantsAndPayments(c, &avs, &ps)
	if err := s.send(ctx, rd); err != nil {
		return nil, nil, pgError("store.ContractAvenantsAndPayments", err)
	}
	return avs, ps, nil
}

// ContractAvenantsAndPayments queues the reads of
// Store.ContractAvenantsAndPayments into *avs and *ps (the avenants'
// signatures after the batch, when there are avenants).
func (rd *Reads) ContractAvenantsAndPayments(c Contract, avs *[]Avenant, ps *[]PaymentRow) {
	queueContractAvenants(&rd.b, rd.sc, c.ID, avs)
	queuePayments(&rd.b, c.ID, ps)
	sc := rd.sc
	rd.then(func(ctx context.Context, s *Store) error { return loadAvenantSignatures(ctx, s.db(sc), *avs) })
}

// queueContractAvenants queues on b the read of ContractAvenants (without
// their signatures) into *out.
func queueContractAvenants(b *pgx.Batch, sc Scope, contractID int64, out *[]Avenant) {
	var a args
	q := `SELECT ` + avenantColumns + ` FROM contract_avenants v JOIN contracts c ON c.id = v.contract_id JOIN organisations o ON o.id = c.structure_id
		WHERE c.id = ` + a.add(contractID) + " AND " + sc.contracts("c", &a) + " ORDER BY v.number"
	b.Queue(q, a...).Query(func(rows pgx.Rows) error {
		var err error
		*out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Avenant, error) { return scanAvenant(r) })
		return err
	})
}

// ContractAvenant returns avenant id of contract contractID in scope.
func (s *Store) ContractAvenant(ctx context.Context, sc Scope, contractID, id int64) (Avenant, error) {
	var a args
	q := `SELECT ` + avenantColumns + ` FROM contract_avenants v JOIN contracts c ON c.id = v.contract_id JOIN organisations o ON o.id = c.structure_id
		WHERE c.id = ` + a.add(contractID) + " AND v.id = " + a.add(id) + " AND " + sc.contracts("c", &a)
	v, err := scanAvenant(s.db(sc).QueryRow(ctx, q, a...))
	if errors.Is(err, pgx.ErrNoRows) {
		return v, domain.Errorf(domain.ENotFound, "Avenant introuvable.")
	}
	if err != nil {
		return v, pgError("store.ContractAvenant", err)
	}
	list := []Avenant{v}
	err = loadAvenantSignatures(ctx, s.db(sc), list)
	return list[0], pgError("store.ContractAvenant", err)
}

// ContractDocumentVersion is the document of a contract after avenant
// version (version ≥ 2), with its SHA-256.
type ContractDocumentVersion struct {
	Version   int
	AvenantID int64
	HTML      string
	SHA256    string
	CreatedAt time.Time
}

// AvenantDocument returns the contract document version that avenant id
// of contract contractID created (in scope; not found before its signature).
func (s *Store) AvenantDocument(ctx context.Context, sc Scope, contractID, id int64) (ContractDocumentVersion, error) {
	var a args
	var d ContractDocumentVersion
	err := s.db(sc).QueryRow(ctx, `SELECT d.version, d.avenant_id, d.document_html, d.document_sha256, d.created_at
		FROM contract_documents d JOIN contracts c ON c.id = d.contract_id JOIN organisations o ON o.id = c.structure_id
		WHERE c.id = `+a.add(contractID)+" AND d.avenant_id = "+a.add(id)+" AND "+sc.contracts("c", &a), a...).
		Scan(&d.Version, &d.AvenantID, &d.HTML, &d.SHA256, &d.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, domain.Errorf(domain.ENotFound, "Document introuvable.")
	}
	return d, pgError("store.AvenantDocument", err)
}

// normCodes upper-cases, trims and deduplicates commune codes.
func normCodes(in []string) []string {
	var out []string
	for _, c := range in {
		if c = strings.ToUpper(strings.TrimSpace(c)); c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// ProposeAvenant records an avenant proposed by the coordinator or the CPAM
// (docs/rules.md §31) on an actif CPTS contract: its object, its effective
// date (within the contract), its changes (optional missions added,
// indicators or targets changed, a new territory), one on its way at a
// time. The contract row is locked and its version must be the one shown:
// concurrent or repeated posts of one form record one avenant.
func (s *Store) ProposeAvenant(ctx context.Context, sc Scope, in AvenantProposal) (int64, error) {
	if in.At.IsZero() {
		in.At = s.now()
	}
	in.At = in.At.Truncate(time.Microsecond)
	in.Object = strings.TrimSpace(in.Object)
	var id int64
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		// A replayed form (its idempotency key, docs/rules.md §33) returns
		// the avenant already proposed; the version check stops any other
		// second post of the same page.
		return s.once(ctx, tx, sc.UserID, "propose_avenant", &id, func() (int64, error) {
			return s.proposeAvenantTx(ctx, tx, sc, in)
		})
	})
	if err := replayed(err); err != nil {
		return 0, pgError("store.ProposeAvenant", err)
	}
	return id, nil
}

func (s *Store) proposeAvenantTx(ctx context.Context, tx pgx.Tx, sc Scope, in AvenantProposal) (int64, error) {
	var id int64
	err := func() error {
		c, err := lockContract(ctx, tx, sc, in.ContractID)
		if err != nil {
			return err
		}
		p := c.Permission(sc)
		if !p.Can(access.ActProposeAvenant) {
			return domain.Errorf(domain.ENotFound, "introuvable")
		}
		if in.Version != c.Version {
			return domain.Errorf(domain.EConflict, "Le contrat a été modifié entre-temps : rechargez la page avant de proposer un avenant.")
		}
		var open int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(number), 0) FROM contract_avenants WHERE contract_id = $1 AND status IN ('propose', 'accepte')`, c.ID).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return domain.Errorf(domain.EConflict, "L'avenant n° %d est déjà en cours : il doit être signé ou refusé avant d'en proposer un autre.", open)
		}
		var number int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(number), 0) + 1 FROM contract_avenants WHERE contract_id = $1`, c.ID).Scan(&number); err != nil {
			return err
		}
		ch, err := avenantChanges(ctx, tx, c, in, number)
		if err != nil {
			return err
		}
		raw, err := json.Marshal(ch)
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO contract_avenants (contract_id, number, object, effective_on, status, changes, proposed_by_party, created_at, created_by, created_by_name)
			VALUES ($1, $9, $2, $3, 'propose', $4, $5, $6, $7, $8) RETURNING id`,
			c.ID, in.Object, in.Effective.String(), raw, string(p.Party()), in.At, sc.UserID, actorName(sc), number).Scan(&id); err != nil {
			return err
		}
		return bumpContract(ctx, tx, c, sc, in.At, TransitionAvenantPropose,
			fmt.Sprintf("Avenant proposé, effectif le %s : %s", in.Effective.French(), in.Object))
	}()
	return id, err
}

// bumpContract moves the contract's version (the next form shown is the
// only one accepted) and appends the audit row of the act.
func bumpContract(ctx context.Context, tx pgx.Tx, c Contract, sc Scope, at time.Time, t workflow.Transition, motivation string) error {
	if _, err := tx.Exec(ctx, `UPDATE contracts SET version = version + 1, updated_at = $2, updated_by = $3 WHERE id = $1`, c.ID, at, sc.UserID); err != nil {
		return err
	}
	if utf8.RuneCountInString(motivation) > MaxMotivation {
		motivation = string([]rune(motivation)[:MaxMotivation])
	}
	uid := sc.UserID
	return appendAudit(ctx, tx, c.DossierID, &uid, actorName(sc), at, t, c.State, c.State, motivation)
}

// avenantChanges checks a proposal and returns its changes.
func avenantChanges(ctx context.Context, tx pgx.Tx, c Contract, in AvenantProposal, number int) (AvenantChanges, error) {
	var ch AvenantChanges
	switch {
	case in.Object == "":
		return ch, domain.FieldError("object", "Indiquez l'objet de l'avenant.")
	case utf8.RuneCountInString(in.Object) > MaxAvenantText:
		return ch, domain.FieldError("object", "L'objet de l'avenant ne doit pas dépasser %d caractères.", MaxAvenantText)
	}
	from, err := contractlife.TierFromYear(c.Start, in.Effective)
	if err != nil {
		return ch, err
	}
	for _, m := range in.Missions {
		switch {
		case m != funding.Qualite && m != funding.Accompagnement:
			return ch, domain.FieldError("missions", "Seules les missions optionnelles (qualité et pertinence, accompagnement des professionnels) s'ajoutent par avenant.")
		case slices.ContainsFunc(c.Terms.Missions, func(x ContractMission) bool { return x.Code == m }):
			return ch, domain.FieldError("missions", "La mission %s fait déjà partie du contrat.", m.Label())
		case !slices.Contains(ch.Missions, m):
			ch.Missions = append(ch.Missions, m)
		}
	}
	if ch.IndicatorChanges, err = indicatorChanges(ctx, tx, c, in, ch.Missions, number); err != nil {
		return ch, err
	}
	add, remove := normCodes(in.AddCommunes), normCodes(in.RemoveCommunes)
	if len(add)+len(remove) > 0 {
		t, err := territoryChange(ctx, tx, c, add, remove)
		if err != nil {
			return ch, err
		}
		t.FromYear = from
		ch.Territory = &t
	}
	if len(ch.Missions) == 0 && len(ch.IndicatorChanges) == 0 && ch.Territory == nil {
		return ch, domain.FieldError("changes", "Indiquez au moins une modification : une mission ajoutée, un indicateur ajouté, retiré ou un nouvel objectif, ou le territoire.")
	}
	return ch, nil
}

// territoryChange checks the communes of a territory avenant and computes
// the population and tier after it (docs/rules.md §3, §7).
func territoryChange(ctx context.Context, tx pgx.Tx, c Contract, add, remove []string) (AvenantTerritory, error) {
	t := AvenantTerritory{Add: add, Remove: remove}
	var n int
	if err := tx.QueryRow(ctx, `SELECT coalesce(sum(m.population), 0), count(*) FROM territory_communes tc JOIN communes m ON m.code = tc.commune_code
		WHERE tc.structure_id = $1`, c.StructureID).Scan(&t.PopulationBefore, &n); err != nil {
		return t, err
	}
	t.PopulationAfter = t.PopulationBefore
	for _, code := range add {
		var nom string
		var pop, holder int64
		var holderName string
		err := tx.QueryRow(ctx, `SELECT m.nom, m.population, coalesce(tc.structure_id, 0), coalesce(o.name, '') FROM communes m
			LEFT JOIN territory_communes tc ON tc.commune_code = m.code LEFT JOIN organisations o ON o.id = tc.structure_id
			WHERE m.code = $1 AND m.actuelle`, code).Scan(&nom, &pop, &holder, &holderName)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return t, domain.FieldError("add", "Commune inconnue (code %q).", code)
		case err != nil:
			return t, err
		case holder == c.StructureID:
			return t, domain.FieldError("add", "La commune %s (%s) fait déjà partie du territoire.", nom, code)
		case holder != 0:
			return t, domain.FieldError("add", "La commune %s (%s) appartient au territoire de %s : une commune n'appartient qu'à une CPTS.", nom, code, holderName)
		}
		t.PopulationAfter += pop
		n++
	}
	for _, code := range remove {
		var pop int64
		err := tx.QueryRow(ctx, `SELECT m.population FROM territory_communes tc JOIN communes m ON m.code = tc.commune_code
			WHERE tc.structure_id = $1 AND tc.commune_code = $2`, c.StructureID, code).Scan(&pop)
		if errors.Is(err, pgx.ErrNoRows) {
			return t, domain.FieldError("remove", "La commune %q ne fait pas partie du territoire.", code)
		}
		if err != nil {
			return t, err
		}
		if slices.Contains(add, code) {
			return t, domain.FieldError("remove", "La commune %q est à la fois ajoutée et retirée.", code)
		}
		t.PopulationAfter -= pop
		n--
	}
	if n <= 0 {
		return t, domain.FieldError("remove", "Le territoire d'une CPTS ne peut pas être vide.")
	}
	var err error
	if t.TierBefore, err = funding.Tier(t.PopulationBefore); err != nil {
		return t, err
	}
	if t.TierAfter, err = funding.Tier(t.PopulationAfter); err != nil {
		return t, err
	}
	return t, nil
}

// lockAvenant locks avenant number of contract c.
func lockAvenant(ctx context.Context, tx pgx.Tx, c Contract, id int64) (Avenant, error) {
	v, err := scanAvenant(tx.QueryRow(ctx, `SELECT `+avenantColumns+` FROM contract_avenants v WHERE v.contract_id = $1 AND v.id = $2 FOR UPDATE`, c.ID, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return v, domain.Errorf(domain.ENotFound, "Avenant introuvable.")
	}
	if err != nil {
		return v, err
	}
	list := []Avenant{v}
	err = loadAvenantSignatures(ctx, tx, list)
	return list[0], err
}

// DecideAvenant records the CPAM's acceptance of a proposed avenant, or
// its refusal with a reason — of a proposed one, or of an accepted one
// before its third signature (docs/rules.md §31).
func (s *Store) DecideAvenant(ctx context.Context, sc Scope, contractID, id int64, accept bool, reason string, at time.Time) error {
	if at.IsZero() {
		at = s.now()
	}
	at = at.Truncate(time.Microsecond)
	reason = strings.TrimSpace(reason)
	if !accept && reason == "" {
		return domain.FieldError("reason", "Indiquez le motif du refus.")
	}
	if utf8.RuneCountInString(reason) > 2000 {
		return domain.FieldError("reason", "Le motif ne doit pas dépasser 2 000 caractères.")
	}
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		c, err := lockContract(ctx, tx, sc, contractID)
		if err != nil {
			return err
		}
		if !c.Permission(sc).Can(access.ActAcceptAvenant) {
			return domain.Errorf(domain.ENotFound, "introuvable")
		}
		v, err := lockAvenant(ctx, tx, c, id)
		if err != nil {
			return err
		}
		// An accepted avenant not signed by the three parties yet may still
		// be refused (abandoned): one that can no longer take effect would
		// otherwise block every later avenant (docs/rules.md §31).
		if v.Status != AvenantPropose && !(v.Status == AvenantAccepte && !accept) {
			return domain.Errorf(domain.EConflict, "L'avenant n° %d est %s : rechargez la page.", v.Number, AvenantStateLabel(v.Status))
		}
		if accept {
			if _, err := tx.Exec(ctx, `UPDATE contract_avenants SET status = 'accepte', accepted_at = $2, accepted_by_name = $3 WHERE id = $1`, v.ID, at, actorName(sc)); err != nil {
				return err
			}
			return bumpContract(ctx, tx, c, sc, at, TransitionAvenantAccepte, fmt.Sprintf("Avenant n° %d accepté par la CPAM.", v.Number))
		}
		if _, err := tx.Exec(ctx, `UPDATE contract_avenants SET status = 'refuse', refusal = $2 WHERE id = $1`, v.ID, reason); err != nil {
			return err
		}
		return bumpContract(ctx, tx, c, sc, at, TransitionAvenantRefuse, fmt.Sprintf("Avenant n° %d refusé par la CPAM : %s", v.Number, reason))
	})
	return pgError("store.DecideAvenant", err)
}

// AvenantEffect is what the third signature of an avenant did.
type AvenantEffect struct {
	Applied   bool // the third signature: the avenant took effect
	Cancelled int  // planned payments cancelled
	Created   int  // payments created
	Version   int  // the contract document's new version
}

// SignAvenant records the signature of an accepted avenant for the
// viewer's party (structure, CPAM, ARS; any order). The third one applies
// it, in the same transaction (docs/rules.md §7, §31): the territory and
// the missions change, the schedule is recomputed from the effective date
// only (contractlife.ApplyAvenant: payments already ordered or paid stay as
// they are, and an avenant that would change one is refused), and the
// contract document gets a new version with the avenant appended (the
// signed original and its hash stay as they are).
func (s *Store) SignAvenant(ctx context.Context, sc Scope, contractID, id int64, at time.Time) (AvenantEffect, error) {
	if at.IsZero() {
		at = s.now()
	}
	at = at.Truncate(time.Microsecond)
	var eff AvenantEffect
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		c, err := lockContract(ctx, tx, sc, contractID)
		if err != nil {
			return err
		}
		p := c.Permission(sc)
		if !p.Can(access.ActSignAvenant) || p.Party() == "" {
			return domain.Errorf(domain.ENotFound, "introuvable")
		}
		v, err := lockAvenant(ctx, tx, c, id)
		if err != nil {
			return err
		}
		if v.Status != AvenantAccepte {
			return domain.Errorf(domain.EConflict, "L'avenant n° %d est %s : il ne peut pas être signé.", v.Number, AvenantStateLabel(v.Status))
		}
		if v.Signed(p.Party()) {
			return domain.Errorf(domain.EConflict, "Vous avez déjà signé l'avenant n° %d pour votre organisation : rechargez la page.", v.Number)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO contract_avenant_signatures (avenant_id, party, organisation_id, organisation, user_id, user_name, signed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, v.ID, string(p.Party()), sc.OrgID, sc.OrgName, sc.UserID, actorName(sc), at); err != nil {
			return err
		}
		if len(v.Signatures)+1 < 3 {
			return bumpContract(ctx, tx, c, sc, at, TransitionAvenantSigne, fmt.Sprintf("Avenant n° %d signé pour %s (%s).", v.Number, partyLabel(p.Party()), sc.OrgName))
		}
		eff, err = s.applyAvenant(ctx, tx, c, v, sc, at)
		return err
	})
	return eff, pgError("store.SignAvenant", err)
}

func partyLabel(p workflow.Party) string {
	switch p {
	case workflow.PartyStructure:
		return "la structure"
	case workflow.PartyCPAM:
		return "la CPAM"
	case workflow.PartyARS:
		return "l'ARS"
	}
	return string(p)
}

// applyAvenant applies a fully signed avenant in the signature's transaction.
func (s *Store) applyAvenant(ctx context.Context, tx pgx.Tx, c Contract, v Avenant, sc Scope, at time.Time) (AvenantEffect, error) {
	var eff AvenantEffect
	today := domain.DateOf(at)
	if err := checkIndicatorsAtSignature(ctx, tx, c, v); err != nil {
		return eff, err
	}
	var extra []contractlife.TerritoryAvenant
	if t := v.Changes.Territory; t != nil {
		if err := applyTerritory(ctx, tx, c, t, sc, at); err != nil {
			return eff, err
		}
		extra = append(extra, contractlife.TerritoryAvenant{Effective: v.EffectiveOn, Tier: t.TierAfter})
	}
	if len(v.Changes.Missions) > 0 {
		for _, m := range v.Changes.Missions {
			c.Terms.Missions = append(c.Terms.Missions, ContractMission{Code: m, Label: m.Label(), Optional: true})
		}
		raw, err := json.Marshal(c.Terms)
		if err != nil {
			return eff, err
		}
		if _, err := tx.Exec(ctx, `UPDATE contracts SET terms = $2 WHERE id = $1`, c.ID, raw); err != nil {
			return eff, err
		}
	}
	lc, err := lifeTerms(ctx, tx, c, extra...)
	if err != nil {
		return eff, err
	}
	existing, err := scheduledPayments(ctx, tx, c.ID)
	if err != nil {
		return eff, err
	}
	recomputed, err := recomputedSchedule(lc, existing, today)
	if err != nil {
		return eff, err
	}
	rc, err := contractlife.ApplyAvenant(existing, recomputed, v.EffectiveOn)
	if err != nil {
		return eff, err
	}
	reason := fmt.Sprintf("Remplacé par l'avenant n° %d (effet le %s)", v.Number, v.EffectiveOn.French())
	for _, p := range rc.Cancel {
		tag, err := tx.Exec(ctx, `UPDATE payments SET status = 'annule', cancelled_on = $2, cancelled_by = $3, cancel_reason = $4
			WHERE id = $1 AND status = 'prevu'`, p.ID, today.String(), sc.UserID, reason)
		if err != nil {
			return eff, err
		}
		if tag.RowsAffected() != 1 {
			return eff, domain.Errorf(domain.EConflict, "Un paiement a changé entre-temps : rechargez la page.")
		}
	}
	news := make([]NewPayment, len(rc.Create))
	for i, p := range rc.Create {
		news[i] = NewPayment{Payment: p}
	}
	if _, err := addPayments(ctx, tx, ContractOwner(c), news, at); err != nil {
		return eff, err
	}
	eff.Applied, eff.Cancelled, eff.Created = true, len(rc.Cancel), len(rc.Create)
	// The document's new version: the last one with this avenant appended.
	base := c.DocumentHTML
	last := 1
	err = tx.QueryRow(ctx, `SELECT version, document_html FROM contract_documents WHERE contract_id = $1 ORDER BY version DESC LIMIT 1`, c.ID).Scan(&last, &base)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return eff, err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		base, last = c.DocumentHTML, 1
	}
	v.Signatures = append(v.Signatures, AvenantSignature{Party: c.Permission(sc).Party(), Organisation: sc.OrgName, UserName: actorName(sc), SignedAt: at})
	doc := appendAvenantHTML(base, v)
	sum := sha256.Sum256([]byte(doc))
	eff.Version = last + 1
	if _, err := tx.Exec(ctx, `INSERT INTO contract_documents (contract_id, version, avenant_id, document_html, document_sha256, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, c.ID, eff.Version, v.ID, doc, hex.EncodeToString(sum[:]), at); err != nil {
		return eff, err
	}
	if _, err := tx.Exec(ctx, `UPDATE contract_avenants SET status = 'signe', signed_at = $2, contract_version = $3 WHERE id = $1`, v.ID, at, eff.Version); err != nil {
		return eff, err
	}
	return eff, bumpContract(ctx, tx, c, sc, at, workflow.Avenant,
		fmt.Sprintf("Avenant n° %d signé par les trois parties, effectif le %s : %s (échéancier : %d paiements prévus annulés, %d créés ; document version %d, empreinte %s).",
			v.Number, v.EffectiveOn.French(), v.Object, eff.Cancelled, eff.Created, eff.Version, hex.EncodeToString(sum[:])))
}

// applyTerritory moves the communes of a signed territory avenant.
func applyTerritory(ctx context.Context, tx pgx.Tx, c Contract, t *AvenantTerritory, sc Scope, at time.Time) error {
	if len(t.Remove) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM territory_communes WHERE structure_id = $1 AND commune_code = ANY($2::text[])`, c.StructureID, t.Remove); err != nil {
			return err
		}
	}
	for _, code := range t.Add {
		_, err := tx.Exec(ctx, `INSERT INTO territory_communes (structure_id, commune_code, added_at, added_by) VALUES ($1, $2, $3, $4)`, c.StructureID, code, at, sc.UserID)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" {
			return domain.Errorf(domain.EConflict, "La commune %s a rejoint un autre territoire depuis la proposition de l'avenant : l'avenant ne peut pas prendre effet.", code)
		}
		if err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO territories (structure_id, version, updated_at, updated_by) VALUES ($1, $2, $3, $4)
		ON CONFLICT (structure_id) DO UPDATE SET version = territories.version + 1, updated_at = $3, updated_by = $4`, c.StructureID, firstTerritoryVersion+1, at, sc.UserID)
	return err
}

// scheduledPayments are the payments of contract id an avenant recomputes
// (advances and start-up money; balances are computed at each year's
// closing on that year's terms), with their state.
func scheduledPayments(ctx context.Context, q querier, contractID int64) ([]contractlife.Scheduled, error) {
	rows, err := q.Query(ctx, `SELECT id, due_on, contract_year, mission, kind, amount_cents, rule, status FROM payments
		WHERE contract_id = $1 AND kind IN ('avance', 'amorcage') ORDER BY due_on, seq`, contractID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (contractlife.Scheduled, error) {
		var p contractlife.Scheduled
		var due time.Time
		var m, k, st string
		var amount int64
		err := r.Scan(&p.ID, &due, &p.ContractYear, &m, &k, &amount, &p.Rule, &st)
		p.Due, p.Mission, p.Kind, p.Amount, p.State = domain.DateOf0(due), funding.Mission(m), funding.Kind(k), domain.Cents(amount), contractlife.PaymentState(st)
		return p, err
	})
}

// recomputedSchedule is the contract's advances under its new terms over
// the horizon of the existing schedule (contractlife.ApplyAvenant): the
// signature's payments, each started mission's start advance and the
// anniversary advances of the years already opened (their anniversary is
// past, or their advance exists).
func recomputedSchedule(lc contractlife.Contract, existing []contractlife.Scheduled, today domain.Date) ([]funding.Payment, error) {
	out, err := contractlife.SignaturePayments(lc)
	if err != nil {
		return nil, err
	}
	for _, m := range funding.AllMissions() {
		d, ok := lc.Starts[m]
		if !ok {
			continue
		}
		ps, err := contractlife.StartAdvance(lc, m, d)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	for n := 2; n <= funding.ContractYears; n++ {
		opens := contractlife.Anniversary(lc.Signed, n-1)
		open := !opens.After(today)
		for _, e := range existing {
			open = open || e.State != contractlife.Cancelled && e.ContractYear == n && e.Kind == funding.KindAvance && e.Due == opens
		}
		if !open {
			continue
		}
		ps, err := contractlife.AnniversaryAdvances(lc, n)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	return out, nil
}

// appendAvenantHTML appends avenant v to a contract document (before the
// closing body tag when there is one).
func appendAvenantHTML(doc string, v Avenant) string {
	var b strings.Builder
	e := html.EscapeString
	fmt.Fprintf(&b, `<section class="avenant" id="avenant-%d"><h2>Avenant n° %d</h2>`, v.Number, v.Number)
	fmt.Fprintf(&b, `<p>Date d'effet : %s.</p><p>Objet : %s</p><ul>`, e(v.EffectiveOn.French()), e(v.Object))
	for _, m := range v.Changes.Missions {
		fmt.Fprintf(&b, `<li>Mission optionnelle ajoutée : %s.</li>`, e(m.Label()))
	}
	if v.Changes.Indicators != "" {
		fmt.Fprintf(&b, `<li>Indicateurs et objectifs : %s</li>`, e(v.Changes.Indicators))
	}
	for _, x := range v.Changes.IndicatorChanges {
		fmt.Fprintf(&b, `<li>%s.</li>`, e(x.Line()))
	}
	if t := v.Changes.Territory; t != nil {
		fmt.Fprintf(&b, `<li>Territoire : communes ajoutées %s ; retirées %s. Population %s → %s habitants, taille %d → %d`,
			e(strings.Join(t.Add, ", ")), e(strings.Join(t.Remove, ", ")), domain.GroupThousands(t.PopulationBefore), domain.GroupThousands(t.PopulationAfter), t.TierBefore, t.TierAfter)
		if t.FromYear > 0 {
			fmt.Fprintf(&b, `, à compter de l'année %d du contrat`, t.FromYear)
		}
		b.WriteString(`.</li>`)
	}
	b.WriteString(`</ul><p>Signé par :</p><ul>`)
	for _, s := range v.Signatures {
		fmt.Fprintf(&b, `<li>%s pour %s, le %s</li>`, e(s.UserName), e(s.Organisation), e(domain.FrenchDateTime(s.SignedAt)))
	}
	b.WriteString(`</ul></section>`)
	if i := strings.LastIndex(doc, "</body>"); i >= 0 {
		return doc[:i] + b.String() + doc[i:]
	}
	return doc + b.String()
}
