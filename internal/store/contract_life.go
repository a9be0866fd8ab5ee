package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/domain/workflow"
)

// The contract's life after its signature (docs/rules.md §7, §8, §28):
// mission starts and deployments (migration 00070), the advance each start
// creates, and the advances of each anniversary.

// Audit-only actions of the contract's life (docs/rules.md §28).
const (
	TransitionDemarrageMission   workflow.Transition = "demarrage_mission"
	TransitionDeploiementMission workflow.Transition = "deploiement_mission"
	TransitionAvancesAnniv       workflow.Transition = "avances_anniversaire"
)

// MaxEvidence bounds the evidence text of a start or a deployment
// (docs/rules.md §28: a short evidence).
const MaxEvidence = 1000

// MissionProgress is what was declared of one mission of a contract: its
// start and deployment (zero dates when not yet declared), with their
// evidence.
type MissionProgress struct {
	Mission        funding.Mission
	StartedOn      domain.Date
	StartEvidence  string
	StartFile      *StoredFile
	StartedBy      string
	DeployedOn     domain.Date
	DeployEvidence string
	DeployFile     *StoredFile
	DeployedBy     string
}

// Progress is p as the domain sees it.
func (p MissionProgress) Progress() contractlife.Progress {
	return contractlife.Progress{Mission: p.Mission, Started: p.StartedOn, Deployed: p.DeployedOn}
}

func loadMissionProgress(ctx context.Context, q querier, contractID int64) ([]MissionProgress, error) {
	rows, err := q.Query(ctx, `SELECT m.mission, m.started_on, m.start_evidence, m.started_by_name, m.deployed_on, m.deploy_evidence, m.deployed_by_name,
		sf.id, coalesce(sf.filename, ''), coalesce(sf.media_type, ''), coalesce(sf.size, 0),
		df.id, coalesce(df.filename, ''), coalesce(df.media_type, ''), coalesce(df.size, 0)
		FROM contract_missions m LEFT JOIN stored_files sf ON sf.id = m.start_file_id LEFT JOIN stored_files df ON df.id = m.deploy_file_id
		WHERE m.contract_id = $1 ORDER BY m.started_on, m.mission`, contractID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (MissionProgress, error) {
		var p MissionProgress
		var m string
		var started time.Time
		var deployed *time.Time
		var sid, did *int64
		var sf, df StoredFile
		err := r.Scan(&m, &started, &p.StartEvidence, &p.StartedBy, &deployed, &p.DeployEvidence, &p.DeployedBy,
			&sid, &sf.Filename, &sf.MediaType, &sf.Size, &did, &df.Filename, &df.MediaType, &df.Size)
		p.Mission, p.StartedOn, p.DeployedOn = funding.Mission(m), domain.DateOf0(started), dateOf(deployed)
		if sid != nil {
			sf.ID = *sid
			p.StartFile = &sf
		}
		if did != nil {
			df.ID = *did
			p.DeployFile = &df
		}
		return p, err
	})
}

// ContractMissions returns what was declared of the missions of contract id
// in scope (not found outside it), earliest start first.
func (s *Store) ContractMissions(ctx context.Context, sc Scope, contractID int64) ([]MissionProgress, error) {
	var a args
	var id int64
	q := "SELECT c.id" + contractFrom + " WHERE c.id = " + a.add(contractID) + " AND " + sc.contracts("c", &a)
	if err := s.db(sc).QueryRow(ctx, q, a...).Scan(&id); err != nil {
		return nil, contractNotFound(pgError("store.ContractMissions", err))
	}
	ps, err := loadMissionProgress(ctx, s.db(sc), id)
	return ps, pgError("store.ContractMissions", err)
}

// MissionFile returns the evidence file of a mission's start (deploy
// false) or deployment of contract contractID in scope (not found outside
// it, or when there is none).
func (s *Store) MissionFile(ctx context.Context, sc Scope, contractID int64, m funding.Mission, deploy bool) (FileDownload, error) {
	col := "m.start_file_id"
	if deploy {
		col = "m.deploy_file_id"
	}
	var a args
	q := `SELECT f.id, f.filename, f.media_type, f.size, f.sha256, f.content
		FROM contract_missions m JOIN stored_files f ON f.id = ` + col + `
		JOIN contracts c ON c.id = m.contract_id JOIN organisations o ON o.id = c.structure_id
		WHERE m.contract_id = ` + a.add(contractID) + ` AND m.mission = ` + a.add(string(m)) + ` AND ` + sc.contracts("c", &a)
	var f FileDownload
	err := s.db(sc).QueryRow(ctx, q, a...).Scan(&f.ID, &f.Filename, &f.MediaType, &f.Size, &f.SHA256, &f.Content)
	if errors.Is(err, pgx.ErrNoRows) {
		return f, domain.Errorf(domain.ENotFound, "Fichier introuvable.")
	}
	return f, pgError("store.MissionFile", err)
}

// LifeContract is contract c as the contract's life computes it
// (contractlife.Contract): its signature, the barème of each contract year
// from list (docs/rules.md §4: in force on the year's first day), the tier
// of the contract each year, and the missions started in progress.
//
// Decision (docs/rules.md §28): the tier of every year is the contract's
// (territory avenants, which move it, are applied by their own act).
func LifeContract(c Contract, list []funding.Bareme, progress []MissionProgress, territory ...contractlife.TerritoryAvenant) (contractlife.Contract, error) {
	out := contractlife.Contract{Signed: c.Start, Starts: map[funding.Mission]domain.Date{}}
	baremes, err := contractlife.BaremesByYear(list, c.Start)
	if err != nil {
		// A year without a barème is a refusal of the act, not a missing
		// page (docs/rules.md §4: « barème ACI CPTS 2019 non saisi »).
		return out, domain.Errorf(domain.EInvalid, "%s", domain.ErrorMessage(err))
	}
	tiers, err := contractlife.TiersByYear(c.Start, c.Tier, territory)
	if err != nil {
		return out, err
	}
	out.Terms = contractlife.YearTerms(baremes, tiers)
	for _, p := range progress {
		if !p.StartedOn.IsZero() {
			out.Starts[p.Mission] = p.StartedOn
		}
	}
	return out, nil
}

// MissionDeclaration is a coordinator's declaration that a mission started
// (or was deployed) on a day, with a short evidence and an optional file.
type MissionDeclaration struct {
	ContractID int64
	Mission    funding.Mission
	On         domain.Date
	Evidence   string
	Filename   string // optional file: its name and bytes
	Data       []byte
	Today      domain.Date // Europe/Paris date of At (computed when zero)
	At         time.Time   // now when zero
}

func (in *MissionDeclaration) check(s *Store) error {
	in.Evidence = strings.TrimSpace(in.Evidence)
	if in.At.IsZero() {
		in.At = s.now()
	}
	in.At = in.At.Truncate(time.Microsecond)
	if in.Today.IsZero() {
		in.Today = domain.DateOf(in.At)
	}
	switch {
	case in.On.IsZero():
		return domain.FieldError("date", "Indiquez la date (jj/mm/aaaa).")
	case in.Evidence == "":
		return domain.FieldError("evidence", "Décrivez en quelques mots ce qui atteste la date (réunion, action, recrutement…).")
	case utf8.RuneCountInString(in.Evidence) > MaxEvidence:
		return domain.FieldError("evidence", "Le justificatif ne doit pas dépasser %d caractères.", MaxEvidence)
	}
	return nil
}

// lockLifeContract locks contract id in scope for an act of its life and
// checks that sc may declare mission starts on it now (not found when the
// role never may, conflict when the contract's state forbids it) and that m
// is one of its missions.
func lockLifeContract(ctx context.Context, tx pgx.Tx, sc Scope, id int64, m funding.Mission) (Contract, error) {
	var a args
	q := "SELECT " + contractColumns + contractFrom + " WHERE c.id = " + a.add(id) + " AND " + sc.contracts("c", &a) + " FOR UPDATE OF c"
	c, err := scanContract(tx.QueryRow(ctx, q, a...))
	if err != nil {
		return c, contractNotFound(err)
	}
	if err := loadSignatures(ctx, tx, &c); err != nil {
		return c, err
	}
	if !c.Permission(sc).Can(access.ActDeclareMissionStart) {
		if !roleAllows(sc, access.Contract(c.StructureID, c.StructureType, "", nil), access.ActDeclareMissionStart) {
			return c, domain.Errorf(domain.ENotFound, "Contrat introuvable.")
		}
		return c, domain.Errorf(domain.EConflict, "Le contrat est « %s » : aucun démarrage de mission ne peut être déclaré.", c.State.Label())
	}
	for _, cm := range c.Terms.Missions {
		if cm.Code == m {
			return c, nil
		}
	}
	return c, domain.Errorf(domain.ENotFound, "Cette mission ne fait pas partie du contrat.")
}

// missionAddedBy returns the number and effective date of the signed
// avenant that added mission m to contract id (zero when none did,
// docs/rules.md §31).
func missionAddedBy(ctx context.Context, q contentQuerier, id int64, m funding.Mission) (int, domain.Date, error) {
	var number int
	var eff time.Time
	err := q.QueryRow(ctx, `SELECT number, effective_on FROM contract_avenants WHERE contract_id = $1 AND status = 'signe' AND changes->'missions' ? $2
		ORDER BY number LIMIT 1`, id, string(m)).Scan(&number, &eff)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, domain.Date{}, nil
	}
	return number, domain.DateOf0(eff), err
}

// DeclareMissionStart records that mission in.Mission of contract
// in.ContractID started on in.On (docs/rules.md §7, §8, §28), in ONE
// transaction: lock the contract in scope, check the act (coordinator of
// the structure, contract actif) and the date (contractlife.CheckStart: on
// or after the signature, within the contract, not in the future; a late
// start is accepted and stays flagged late), refuse a second start of the
// same mission (conflict), store the optional file, create the mission's
// prorated advance (contractlife.StartAdvance) and append the audit row. It
// returns the ids of the payments created (none for the crisis mission,
// paid by its plan, docs/rules.md §4).
func (s *Store) DeclareMissionStart(ctx context.Context, sc Scope, in MissionDeclaration) ([]int64, error) {
	if !sc.Valid() {
		return nil, domain.Errorf(domain.ENotFound, "Contrat introuvable.")
	}
	if err := in.check(s); err != nil {
		return nil, err
	}
	var ids []int64
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		c, err := lockLifeContract(ctx, tx, sc, in.ContractID, in.Mission)
		if err != nil {
			return err
		}
		progress, err := loadMissionProgress(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		for _, p := range progress {
			if p.Mission == in.Mission {
				return domain.Errorf(domain.EConflict, "La mission « %s » est déjà déclarée démarrée le %s : un démarrage ne se déclare qu'une fois.", in.Mission.Label(), p.StartedOn.French())
			}
		}
		if err := contractlife.CheckStart(in.Mission, c.Start, in.On, in.Today); err != nil {
			return err
		}
		if number, added, err := missionAddedBy(ctx, tx, c.ID, in.Mission); err != nil {
			return err
		} else if err := contractlife.CheckStartAfterAvenant(in.Mission, number, added, in.On); err != nil {
			return err
		}
		life, err := lifeTerms(ctx, tx, c)
		if err != nil {
			return err
		}
		ps, err := contractlife.StartAdvance(life, in.Mission, in.On)
		if err != nil {
			return err
		}
		uid := sc.UserID
		var fileID *int64
		if len(in.Data) > 0 {
			f, err := saveFile(ctx, tx, "file", &uid, in.At, in.Filename, in.Data)
			if err != nil {
				return err
			}
			fileID = &f.ID
		}
		if _, err := tx.Exec(ctx, `INSERT INTO contract_missions (contract_id, mission, started_on, start_evidence, start_file_id, started_at, started_by, started_by_name)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, c.ID, string(in.Mission), in.On.String(), in.Evidence, fileID, in.At, uid, actorName(sc)); err != nil {
			if domain.ErrorCode(pgError("", err)) == domain.EConflict {
				return domain.Errorf(domain.EConflict, "La mission « %s » est déjà déclarée démarrée : rechargez la page.", in.Mission.Label())
			}
			return err
		}
		news := make([]NewPayment, len(ps))
		for i, p := range ps {
			news[i] = NewPayment{Payment: p}
		}
		if ids, err = addPayments(ctx, tx, ContractOwner(c), news, in.At); err != nil {
			return err
		}
		record := fmt.Sprintf("Mission « %s » démarrée le %s. Justificatif : %s", in.Mission.Label(), in.On.French(), in.Evidence)
		if late := contractlife.Lateness(contractlife.Progress{Mission: in.Mission, Started: in.On}, c.Start, in.Today); late.Start {
			record += " — en retard (" + strings.Join(late.Reasons, " ; ") + ")"
		}
		for _, p := range ps {
			record += fmt.Sprintf(". %s : %s (%s)", paymentLabel(p.Kind), domain.FormatEUR(p.Amount), p.Rule)
		}
		return appendAudit(ctx, tx, c.DossierID, &uid, sc.UserName, in.At, TransitionDemarrageMission, c.State, c.State, clip(record))
	})
	if err != nil {
		return nil, pgError("store.DeclareMissionStart", err)
	}
	return ids, nil
}

// DeclareMissionDeployment records that a started mission was deployed on
// in.On (docs/rules.md §7, §28): same act and transaction shape as a start
// (contractlife.CheckDeployment: after its start, within the contract, not
// in the future); a mission is deployed once (conflict). No payment.
func (s *Store) DeclareMissionDeployment(ctx context.Context, sc Scope, in MissionDeclaration) error {
	if !sc.Valid() {
		return domain.Errorf(domain.ENotFound, "Contrat introuvable.")
	}
	if err := in.check(s); err != nil {
		return err
	}
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		c, err := lockLifeContract(ctx, tx, sc, in.ContractID, in.Mission)
		if err != nil {
			return err
		}
		var startedAt, deployed *time.Time
		err = tx.QueryRow(ctx, `SELECT started_on, deployed_on FROM contract_missions WHERE contract_id = $1 AND mission = $2`, c.ID, string(in.Mission)).Scan(&startedAt, &deployed)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if deployed != nil {
			return domain.Errorf(domain.EConflict, "La mission « %s » est déjà déclarée déployée le %s.", in.Mission.Label(), dateOf(deployed).French())
		}
		started := dateOf(startedAt)
		if err := contractlife.CheckDeployment(in.Mission, c.Start, started, in.On, in.Today); err != nil {
			return err
		}
		uid := sc.UserID
		var fileID *int64
		if len(in.Data) > 0 {
			f, err := saveFile(ctx, tx, "file", &uid, in.At, in.Filename, in.Data)
			if err != nil {
				return err
			}
			fileID = &f.ID
		}
		if _, err := tx.Exec(ctx, `UPDATE contract_missions SET deployed_on = $3, deploy_evidence = $4, deploy_file_id = $5, deployed_at = $6,
			deployed_by = $7, deployed_by_name = $8 WHERE contract_id = $1 AND mission = $2`,
			c.ID, string(in.Mission), in.On.String(), in.Evidence, fileID, in.At, uid, actorName(sc)); err != nil {
			return err
		}
		record := fmt.Sprintf("Mission « %s » déployée le %s. Justificatif : %s", in.Mission.Label(), in.On.French(), in.Evidence)
		if late := contractlife.Lateness(contractlife.Progress{Mission: in.Mission, Started: started, Deployed: in.On}, c.Start, in.Today); late.Deployment {
			record += " — en retard (" + strings.Join(late.Reasons, " ; ") + ")"
		}
		return appendAudit(ctx, tx, c.DossierID, &uid, sc.UserName, in.At, TransitionDeploiementMission, c.State, c.State, clip(record))
	})
	return pgError("store.DeclareMissionDeployment", err)
}

// CreateAnniversaryAdvances creates, for every CPTS contract in force, the
// advances of each contract year n ≥ 2 whose opening anniversary is on or
// before today (contractlife.AnniversaryAdvances, docs/rules.md §8, §28).
// Each contract is one transaction that takes its row FOR UPDATE SKIP
// LOCKED and writes one audit row per year it creates; a year whose
// advances exist (payments_once) is skipped, so the job is idempotent and
// safe on several instances. It returns how many payments were created.
// System path, no scope: background job, never on behalf of a user.
func (s *Store) CreateAnniversaryAdvances(ctx context.Context, today domain.Date, at time.Time) (int, error) {
	if at.IsZero() {
		at = s.now()
	}
	at = at.Truncate(time.Microsecond)
	// Contracts signed about a year ago or more (364 days: an anniversary
	// of 29 February falls on 28 February, docs/rules.md §8); anniversaryTx
	// decides with contractlife.Anniversary.
	rows, err := s.sys().Query(ctx, `SELECT id FROM contracts WHERE state IN ('actif', 'resiliation_demandee') AND structure_type = $2
		AND start_date <= $1::date - 364 ORDER BY start_date, id`, today.String(), string(domain.CPTS))
	if err != nil {
		return 0, pgError("store.CreateAnniversaryAdvances", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, pgError("store.CreateAnniversaryAdvances", err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	n := 0
	var errs []error
	for _, id := range ids {
		created := 0
		err := s.sysTx(ctx, func(tx pgx.Tx) error {
			c, err := scanContract(tx.QueryRow(ctx, "SELECT "+contractColumns+contractFrom+" WHERE c.id = $1 FOR UPDATE OF c SKIP LOCKED", id))
			if err != nil {
				return err
			}
			created, err = anniversaryTx(ctx, tx, c, today, at)
			return err
		})
		switch {
		case err == nil:
			n += created
		case errors.Is(err, pgx.ErrNoRows):
			// another instance has it
		default:
			// One contract that cannot be computed (a barème missing) does
			// not hold the others back.
			errs = append(errs, fmt.Errorf("contract %d: %w", id, err))
		}
	}
	return n, pgError("store.CreateAnniversaryAdvances", errors.Join(errs...))
}

// anniversaryTx creates the missing anniversary advances of locked contract
// c up to today.
func anniversaryTx(ctx context.Context, tx pgx.Tx, c Contract, today domain.Date, at time.Time) (int, error) {
	life, err := lifeTerms(ctx, tx, c)
	if err != nil {
		return 0, err
	}
	// Advances already created, by year and mission.
	type key struct {
		year    int
		mission funding.Mission
	}
	have := map[key]bool{}
	rows, err := tx.Query(ctx, `SELECT contract_year, mission FROM payments WHERE contract_id = $1 AND kind = 'avance' AND rule_key = '' AND status <> 'annule'`, c.ID)
	if err != nil {
		return 0, err
	}
	var y int
	var m string
	if _, err := pgx.ForEachRow(rows, []any{&y, &m}, func() error { have[key{y, funding.Mission(m)}] = true; return nil }); err != nil {
		return 0, err
	}
	created := 0
	for n := 2; n <= funding.ContractYears; n++ {
		if contractlife.Anniversary(c.Start, n-1).After(today) {
			break
		}
		ps, err := contractlife.AnniversaryAdvances(life, n)
		if err != nil {
			return created, err
		}
		var news []NewPayment
		var lines []string
		for _, p := range ps {
			if have[key{p.ContractYear, p.Mission}] {
				continue
			}
			news = append(news, NewPayment{Payment: p})
			lines = append(lines, fmt.Sprintf("%s : %s (%s)", p.Mission.Label(), domain.FormatEUR(p.Amount), p.Rule))
		}
		if len(news) == 0 {
			continue
		}
		if _, err := addPayments(ctx, tx, ContractOwner(c), news, at); err != nil {
			return created, err
		}
		record := fmt.Sprintf("Anniversaire du contrat (%s), ouverture de l'année %d : %s", contractlife.Anniversary(c.Start, n-1).French(), n, strings.Join(lines, " ; "))
		if err := appendAudit(ctx, tx, c.DossierID, nil, SystemActorName, at, TransitionAvancesAnniv, c.State, c.State, clip(record)); err != nil {
			return created, err
		}
		created += len(news)
	}
	return created, nil
}

// signaturePayments are the payments the third signature of contract c
// creates (docs/rules.md §8, §28): for a CPTS only fonctionnement (and the
// early-signer supplement, contractlife.SignaturePayments) — each mission's
// advance comes with its declared start; for an MSP its civil-year schedule
// (funding.ContractPayments), unchanged.
func signaturePayments(c Contract, baremes []funding.Bareme) ([]funding.Payment, error) {
	if c.StructureType != domain.CPTS {
		return funding.ContractPayments(c.Funding())
	}
	life, err := LifeContract(c, baremes, nil)
	if err != nil {
		return nil, err
	}
	return contractlife.SignaturePayments(life)
}

func paymentLabel(k funding.Kind) string {
	switch k {
	case funding.KindAvance:
		return "Avance"
	case funding.KindSolde:
		return "Solde"
	}
	return string(k)
}

func actorName(sc Scope) string {
	if n := strings.TrimSpace(sc.UserName); n != "" {
		return n
	}
	return fmt.Sprintf("Utilisateur n° %d", sc.UserID)
}

// clip bounds an audit text to MaxMotivation characters.
func clip(s string) string {
	if utf8.RuneCountInString(s) > MaxMotivation {
		return string([]rune(s)[:MaxMotivation])
	}
	return s
}

// ContractLifeData is what the home of a contract shows beside the
// contract itself (docs/rules.md §28): the missions declared, the payments,
// the contract years already closed and the dossier's history.
type ContractLifeData struct {
	Missions []MissionProgress
	Payments []PaymentRow
	Closed   map[int]domain.Date // contract year → closing date
	History  []AuditEntry        // oldest first
}

// ContractLife reads the life of contract id in scope (not found outside
// it) in a few queries: the scope check, the missions, the payments, the
// closings and the history.
func (s *Store) ContractLife(ctx context.Context, sc Scope, id int64) (ContractLifeData, error) {
	var out ContractLifeData
	var a args
	var dossierID int64
	q := "SELECT c.dossier_id" + contractFrom + " WHERE c.id = " + a.add(id) + " AND " + sc.contracts("c", &a)
	if err := s.db(sc).QueryRow(ctx, q, a...).Scan(&dossierID); err != nil {
		return out, contractNotFound(pgError("store.ContractLife", err))
	}
	var err error
	if out.Missions, err = loadMissionProgress(ctx, s.db(sc), id); err != nil {
		return out, pgError("store.ContractLife", err)
	}
	if out.Payments, err = listPayments(ctx, s.db(sc), id); err != nil {
		return out, pgError("store.ContractLife", err)
	}
	rows, err := s.db(sc).Query(ctx, `SELECT contract_year, closed_on FROM contract_year_closings WHERE contract_id = $1`, id)
	if err != nil {
		return out, pgError("store.ContractLife", err)
	}
	out.Closed = map[int]domain.Date{}
	var y int
	var on time.Time
	if _, err := pgx.ForEachRow(rows, []any{&y, &on}, func() error { out.Closed[y] = domain.DateOf0(on); return nil }); err != nil {
		return out, pgError("store.ContractLife", err)
	}
	rows, err = s.db(sc).Query(ctx, `SELECT `+auditColumns+` FROM dossier_audit a WHERE a.dossier_id = $1 ORDER BY a.seq`, dossierID)
	if err != nil {
		return out, pgError("store.ContractLife", err)
	}
	out.History, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (AuditEntry, error) { return scanAudit(r) })
	return out, pgError("store.ContractLife", err)
}
