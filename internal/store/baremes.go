package store

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
)

// Barèmes and MSP indicators are national reference data (docs/rules.md §4, §5,
// §9), not tenant data: every logged-in role reads them, so the reads take
// no Scope. Only a national admin writes them: the write methods take the
// Scope and refuse (not_found, like every other refusal) any other role.

// LoadBaremes reads every CPTS barème with its amounts, oldest first, as the
// funding engine's values (migrations/00010_baremes.sql, 00053_bareme_parameters.sql).
// No scope: reference data, not tenant data (the same for every user).
func (s *Store) LoadBaremes(ctx context.Context) ([]funding.Bareme, error) {
	return loadBaremes(ctx, s.sys())
}

// batcher is what sends a pgx batch: the pool or a transaction.
type batcher interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// Baremes queues the reads of Store.LoadBaremes (the heads and both amount
// tables: reference data, the same for every scope) into *out.
func (rd *Reads) Baremes(out *[]funding.Bareme) {
	var ids []int64
	rd.b.Queue(baremeHeadsSQL).Query(func(rows pgx.Rows) error {
		var err error
		*out, ids, err = scanBaremeHeads(rows)
		return err
	})
	byID := map[int64]*funding.Bareme{}
	rd.b.Queue(baremeMissionsSQL).Query(func(rows pgx.Rows) error {
		for i, id := range ids {
			byID[id] = &(*out)[i]
		}
		return scanBaremeMissions(rows, byID)
	})
	rd.b.Queue(baremeAmorcageSQL).Query(func(rows pgx.Rows) error { return scanBaremeAmorcage(rows, byID) })
	rd.then(func(context.Context, *Store) error {
		for _, b := range *out {
			if err := b.Validate(); err != nil {
				return err
			}
		}
		return nil
	})
}

// loadBaremes is LoadBaremes on q (inside a transaction, for an act that
// computes money: docs/rules.md §4, the barème in force each contract year).
func loadBaremes(ctx context.Context, q batcher) ([]funding.Bareme, error) {
	// The heads and both amount tables in one round trip (a batch).
	batch := &pgx.Batch{}
	for _, q := range []string{baremeHeadsSQL, baremeMissionsSQL, baremeAmorcageSQL} {
		batch.Queue(q)
	}
	br := q.SendBatch(ctx, batch)
	defer br.Close()
	rows, err := br.Query()
	if err != nil {
		return nil, pgError("store.LoadBaremes", err)
	}
	out, ids, err := scanBaremeHeads(rows)
	if err != nil {
		return nil, pgError("store.LoadBaremes", err)
	}
	byID := map[int64]*funding.Bareme{}
	for i, id := range ids {
		byID[id] = &out[i]
	}
	if rows, err = br.Query(); err == nil {
		err = scanBaremeMissions(rows, byID)
	}
	if err != nil {
		return nil, pgError("store.LoadBaremes", err)
	}
	if rows, err = br.Query(); err == nil {
		err = scanBaremeAmorcage(rows, byID)
	}
	if err != nil {
		return nil, pgError("store.LoadBaremes", err)
	}
	for _, b := range out {
		if err := b.Validate(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// scanBaremeHeads reads the barèmes without their amounts (name, dates, tier
// edges, advance), oldest first, with their ids in the same order.
const baremeHeadsSQL = `SELECT id, code, name, effective, early_signer_cutoff, tier_2_from, tier_3_from, tier_4_from, advance_percent
	FROM baremes ORDER BY effective, id`

func scanBaremeHeads(rows pgx.Rows) ([]funding.Bareme, []int64, error) {
	type head struct {
		id int64
		b  funding.Bareme
	}
	heads, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (head, error) {
		var h head
		var eff time.Time
		var cut *time.Time
		if err := r.Scan(&h.id, &h.b.Code, &h.b.Name, &eff, &cut, &h.b.TierFrom[0], &h.b.TierFrom[1], &h.b.TierFrom[2], &h.b.AdvancePercent); err != nil {
			return h, err
		}
		h.b.Effective = domain.DateOf0(eff)
		if cut != nil {
			h.b.EarlySignerCutoff = domain.DateOf0(*cut)
		}
		return h, nil
	})
	if err != nil {
		return nil, nil, err
	}
	out := make([]funding.Bareme, len(heads))
	ids := make([]int64, len(heads))
	for i, h := range heads {
		out[i], ids[i] = h.b, h.id
	}
	return out, ids, nil
}

// scanBaremeMissions reads the mission amounts (one row per tier, mission and
// part) into the barèmes of byID, missions in display order.
const baremeMissionsSQL = `SELECT bareme_id, tier, mission, part, amount_cents FROM bareme_amounts`

func scanBaremeMissions(rows pgx.Rows, byID map[int64]*funding.Bareme) error {
	defer rows.Close()
	missions := map[int64]map[funding.Mission]*funding.MissionAmounts{}
	for rows.Next() {
		var id, cents int64
		var tier int
		var mission, part string
		if err := rows.Scan(&id, &tier, &mission, &part, &cents); err != nil {
			return err
		}
		if tier < 1 || tier > 4 {
			continue // excluded by the table's CHECK
		}
		if missions[id] == nil {
			missions[id] = map[funding.Mission]*funding.MissionAmounts{}
		}
		m := funding.Mission(mission)
		a := missions[id][m]
		if a == nil {
			a = &funding.MissionAmounts{Mission: m}
			missions[id][m] = a
		}
		c := domain.Cents(cents)
		switch part {
		case "fixe":
			a.Fixed[tier-1] = c
		case "variable":
			a.Variable[tier-1] = c
		case "fixe_premiere":
			a.FixedFirst[tier-1] = c
		case "fixe_mise_a_jour":
			a.FixedUpdate[tier-1] = c
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for id, ms := range missions {
		b := byID[id]
		if b == nil {
			continue
		}
		for _, m := range funding.AllMissions() { // display order
			if a := ms[m]; a != nil {
				b.Missions = append(b.Missions, *a)
			}
		}
	}
	return nil
}

// scanBaremeAmorcage reads the start-up money (lettre d'intention, early
// signers, the ARS's forfait and coordinator) per tier into the barèmes of
// byID.
const baremeAmorcageSQL = `SELECT bareme_id, tier, kind, amount_cents FROM bareme_amorcage`

func scanBaremeAmorcage(rows pgx.Rows, byID map[int64]*funding.Bareme) error {
	defer rows.Close()
	for rows.Next() {
		var id, cents int64
		var tier int
		var kind string
		if err := rows.Scan(&id, &tier, &kind, &cents); err != nil {
			return err
		}
		b := byID[id]
		if b == nil || tier < 1 || tier > 4 {
			continue
		}
		c := domain.Cents(cents)
		switch kind {
		case "lettre_intention":
			b.LettreIntention[tier-1] = c
		case "signataire_precoce":
			b.EarlySigner[tier-1] = c
		case "ars_forfait":
			b.ARSForfait[tier-1] = c
		case "ars_coordonnateur":
			b.ARSCoordinator[tier-1] = c
		}
	}
	return rows.Err()
}

// LoadMSPBaremes reads the MSP barèmes (point value, reference patientèle,
// advance rate: docs/rules.md §4, §9), by code.
// No scope: reference data, not tenant data (the same for every user).
func (s *Store) LoadMSPBaremes(ctx context.Context) ([]funding.MSPBareme, error) {
	rows, err := s.sys().Query(ctx, `SELECT code, name, point_value_cents, reference_patientele, advance_percent FROM msp_baremes ORDER BY code`)
	if err != nil {
		return nil, pgError("store.LoadMSPBaremes", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (funding.MSPBareme, error) {
		var b funding.MSPBareme
		err := r.Scan(&b.Code, &b.Name, &b.PointValue, &b.ReferencePatientele, &b.AdvancePercent)
		return b, err
	})
	if err != nil {
		return nil, pgError("store.LoadMSPBaremes", err)
	}
	for _, b := range out {
		if err := b.Validate(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// MSPIndicatorRow is an MSP indicator as stored, with its row id (for the
// admin's edit and delete forms).
type MSPIndicatorRow struct {
	ID int64
	funding.MSPIndicator
}

// LoadMSPIndicators reads the MSP indicators of one barème (every barème
// when baremeCode is empty), ordered by barème then in the order they were entered.
// No scope: reference data, not tenant data (the same for every user).
func (s *Store) LoadMSPIndicators(ctx context.Context, baremeCode string) ([]MSPIndicatorRow, error) {
	var a args
	q := `SELECT id, bareme_code, code, label, axis, kind, fixed_points, variable_points, coalesce(exclusive_group, '') FROM msp_indicators`
	if baremeCode != "" {
		q += " WHERE bareme_code = " + a.add(baremeCode)
	}
	q += ` ORDER BY bareme_code, id`
	rows, err := s.sys().Query(ctx, q, a...)
	if err != nil {
		return nil, pgError("store.LoadMSPIndicators", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (MSPIndicatorRow, error) {
		var x MSPIndicatorRow
		var axis, kind string
		err := r.Scan(&x.ID, &x.Bareme, &x.Code, &x.Label, &axis, &kind, &x.FixedPoints, &x.VariablePoints, &x.Group)
		x.Axis, x.Kind = funding.MSPAxis(axis), funding.MSPKind(kind)
		return x, err
	})
	return out, pgError("store.LoadMSPIndicators", err)
}

// MaxMSPPoints bounds the points of one indicator. The largest known value is
// 1 700 variable points (fonction de coordination, avenant 1); 100 000 leaves
// room for any avenant while refusing typing slips.
const MaxMSPPoints = 100_000

var (
	mspCodeRe   = regexp.MustCompile(`^[a-z0-9][a-z0-9_]{0,63}$`)
	mspBaremeRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
)

// ValidateMSPIndicator checks an indicator entered by an admin; every error
// names its field (domain.FieldError) so the form shows it next to it.
func ValidateMSPIndicator(ind funding.MSPIndicator) []error {
	var errs []error
	if !mspBaremeRe.MatchString(ind.Bareme) {
		errs = append(errs, domain.FieldError("bareme", "code de barème invalide : lettres minuscules, chiffres et tirets (ex. aci-msp-avenant-1)"))
	}
	if !mspCodeRe.MatchString(ind.Code) {
		errs = append(errs, domain.FieldError("code", "code invalide : 1 à 64 caractères, lettres minuscules, chiffres et _ (ex. sas_tous_medecins)"))
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(ind.Label)); n == 0 || n > 300 {
		errs = append(errs, domain.FieldError("label", "libellé obligatoire, 300 caractères au plus"))
	}
	switch ind.Axis {
	case funding.AxisAcces, funding.AxisTravailEquipe, funding.AxisSystemeInformation:
	default:
		errs = append(errs, domain.FieldError("axis", "axe inconnu : choisissez accès aux soins, travail en équipe ou système d'information"))
	}
	switch ind.Kind {
	case funding.MSPPrerequis, funding.MSPSocle, funding.MSPOptionnel:
	default:
		errs = append(errs, domain.FieldError("kind", "nature inconnue : choisissez prérequis, socle ou optionnel"))
	}
	if ind.FixedPoints < 0 || ind.FixedPoints > MaxMSPPoints {
		errs = append(errs, domain.FieldError("fixed_points", "points fixes entre 0 et %d", MaxMSPPoints))
	}
	if ind.VariablePoints < 0 || ind.VariablePoints > MaxMSPPoints {
		errs = append(errs, domain.FieldError("variable_points", "points variables entre 0 et %d", MaxMSPPoints))
	}
	if ind.Group != "" && !mspCodeRe.MatchString(ind.Group) {
		errs = append(errs, domain.FieldError("group", "groupe invalide : lettres minuscules, chiffres et _ (ou vide)"))
	}
	return errs
}

func requireAdmin(sc Scope) error {
	if !access.ForViewer(sc.Viewer()).Can(access.ActAdminister) {
		return domain.Errorf(domain.ENotFound, "introuvable")
	}
	return nil
}

// CreateMSPIndicator adds an indicator to a barème (national admin only). A
// code already used in the barème is a conflict.
func (s *Store) CreateMSPIndicator(ctx context.Context, sc Scope, ind funding.MSPIndicator) (int64, error) {
	if err := requireAdmin(sc); err != nil {
		return 0, err
	}
	ind.Label = strings.TrimSpace(ind.Label)
	if errs := ValidateMSPIndicator(ind); len(errs) > 0 {
		return 0, errs[0]
	}
	var id int64
	err := s.db(sc).QueryRow(ctx, `INSERT INTO msp_indicators (bareme_code, code, label, axis, kind, fixed_points, variable_points, exclusive_group)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		ind.Bareme, ind.Code, ind.Label, string(ind.Axis), string(ind.Kind), ind.FixedPoints, ind.VariablePoints, optString(ind.Group)).Scan(&id)
	if err != nil {
		return 0, mspConflict(pgError("store.CreateMSPIndicator", err))
	}
	return id, nil
}

// UpdateMSPIndicator replaces an indicator's fields (national admin only).
func (s *Store) UpdateMSPIndicator(ctx context.Context, sc Scope, id int64, ind funding.MSPIndicator) error {
	if err := requireAdmin(sc); err != nil {
		return err
	}
	ind.Label = strings.TrimSpace(ind.Label)
	if errs := ValidateMSPIndicator(ind); len(errs) > 0 {
		return errs[0]
	}
	tag, err := s.db(sc).Exec(ctx, `UPDATE msp_indicators SET bareme_code = $2, code = $3, label = $4, axis = $5, kind = $6,
		fixed_points = $7, variable_points = $8, exclusive_group = $9 WHERE id = $1`,
		id, ind.Bareme, ind.Code, ind.Label, string(ind.Axis), string(ind.Kind), ind.FixedPoints, ind.VariablePoints, optString(ind.Group))
	if err != nil {
		return mspConflict(pgError("store.UpdateMSPIndicator", err))
	}
	if tag.RowsAffected() == 0 {
		return domain.Errorf(domain.ENotFound, "indicateur introuvable")
	}
	return nil
}

// DeleteMSPIndicator removes an indicator (national admin only).
func (s *Store) DeleteMSPIndicator(ctx context.Context, sc Scope, id int64) error {
	if err := requireAdmin(sc); err != nil {
		return err
	}
	tag, err := s.db(sc).Exec(ctx, `DELETE FROM msp_indicators WHERE id = $1`, id)
	if err != nil {
		return pgError("store.DeleteMSPIndicator", err)
	}
	if tag.RowsAffected() == 0 {
		return domain.Errorf(domain.ENotFound, "indicateur introuvable")
	}
	return nil
}

func mspConflict(err error) error {
	if domain.ErrorCode(err) == domain.EConflict {
		return &domain.Error{Code: domain.EConflict, Field: "code", Message: "ce code est déjà utilisé dans ce barème"}
	}
	return err
}
