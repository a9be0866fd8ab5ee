package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/registry"
	"github.com/portail-aci/aci/internal/domain/workflow"
)

// ChecklistDocument is a required document of a dossier and its review state.
type ChecklistDocument struct {
	Code    workflow.Document
	Title   string
	State   DocState
	Comment string // the referent's comment when "à refaire"
}

// ChecklistSection is one content section of a dossier and whether the
// structure filled it.
type ChecklistSection struct {
	Section Section
	Filled  bool
}

// InstructionChecklist is what the CPAM referent checks before the avis
// (docs/rules.md §10: the CPAM instructs the request and its documents): every
// required document with its review state, the composition rules, the content
// sections, the open complement requests, and why an avis favorable is not
// possible yet (workflow.AvisFavorableBlockers, the same list the workflow
// refuses with).
type InstructionChecklist struct {
	Documents      []ChecklistDocument
	Composition    []registry.Check
	Sections       []ChecklistSection
	ContentMissing []string // what deposer_demande would lack (socle missions, mandatory indicators)
	OpenRequests   int
	AvisBlockers   []string
}

// DossierChecklist returns the instruction checklist of a dossier in scope
// (not found outside), read in one snapshot.
func (s *Store) DossierChecklist(ctx context.Context, sc Scope, dossierID int64) (InstructionChecklist, error) {
	d, err := s.Dossier(ctx, sc, dossierID)
	if err != nil {
		return InstructionChecklist{}, err
	}
	return s.DossierChecklistOf(ctx, d)
}

// DossierChecklistOf is DossierChecklist for a dossier already read through
// the viewer's scope (no second read). Its reads go in one batch that opens
// and ends its own read-only snapshot: one round trip (docs/rules.md §35).
func (s *Store) DossierChecklistOf(ctx context.Context, d Dossier) (InstructionChecklist, error) {
	var b pgx.Batch
	b.Queue(beginSnapshot)
	checklist := queueChecklist(&b, d)
	b.Queue(endSnapshot)
	if err := s.sys().SendBatch(ctx, &b).Close(); err != nil {
		return InstructionChecklist{}, pgError("store.DossierChecklist", err)
	}
	return checklist(), nil
}

// beginSnapshot and endSnapshot frame a batch whose reads must see one
// snapshot. A read-only snapshot has nothing to commit; a failed read
// leaves its connection in the aborted transaction, which the pool then
// closes rather than reuse.
const (
	beginSnapshot = `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`
	endSnapshot   = `ROLLBACK`
)

// queueChecklist queues on b the reads of dossier d's instruction
// checklist; the function it returns builds the checklist once the batch's
// results are read.
func queueChecklist(b *pgx.Batch, d Dossier) func() InstructionChecklist {
	type docRow struct {
		versions        int
		review, comment string
	}
	byCode := map[string]docRow{}
	var open int
	b.Queue(`SELECT code, versions, review_state, review_comment FROM documents
			WHERE dossier_id = $1 AND code <> 'autre'`, d.ID).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var code string
			var x docRow
			if err := rows.Scan(&code, &x.versions, &x.review, &x.comment); err != nil {
				return err
			}
			byCode[code] = x
		}
		return rows.Err()
	})
	composition := queueComposition(b, d.StructureID, d.StructureType)
	var c DossierContent
	queueContent(b, d, &c)
	b.Queue(`SELECT count(*) FROM dossier_complements WHERE dossier_id = $1 AND answered_at IS NULL`, d.ID).
		QueryRow(func(row pgx.Row) error { return row.Scan(&open) })
	return func() InstructionChecklist {
		out := InstructionChecklist{Composition: composition(), OpenRequests: open}
		var toRedo []workflow.Document
		for _, code := range workflow.RequiredDocuments(d.StructureType) {
			x := byCode[string(code)]
			cd := ChecklistDocument{Code: code, Title: DocTitle(code), State: stateOf(x.versions, x.review)}
			if cd.State == DocARefaire {
				cd.Comment = x.comment
				toRedo = append(toRedo, code)
			}
			out.Documents = append(out.Documents, cd)
		}
		for _, sec := range Sections(d.StructureType) {
			out.Sections = append(out.Sections, ChecklistSection{Section: sec, Filled: c.filled(sec)})
		}
		out.ContentMissing = c.Missing(workflow.DeposerDemande)
		out.AvisBlockers = workflow.AvisFavorableBlockers(toRedo, out.OpenRequests)
		return out
	}
}

// filled says whether the structure wrote something in a section.
func (c DossierContent) filled(sec Section) bool {
	switch sec {
	case SectionLettre:
		return strings.TrimSpace(c.Letter) != ""
	case SectionProjet:
		return strings.TrimSpace(c.HealthProject) != ""
	case SectionMissions:
		return c.MissionsSaved && len(c.Missions) > 0
	case SectionIndicateurs:
		for _, ind := range c.Indicators {
			if ind.Mandatory && !ind.Complete() {
				return false
			}
		}
		return len(c.Indicators) > 0
	case SectionPatientele:
		if c.StructureType == domain.ESP {
			return c.RegisteredPatients != nil && c.ESPPatients != nil
		}
		return c.RegisteredPatients != nil
	}
	return false
}

// structureComposition evaluates the composition rules of a structure from
// the registry (legal form, FINESS, members: registry.Composition).
func structureComposition(ctx context.Context, q contentQuerier, structureID int64, st domain.StructureType) ([]registry.Check, error) {
	var b pgx.Batch
	composition := queueComposition(&b, structureID, st)
	if err := q.SendBatch(ctx, &b).Close(); err != nil {
		return nil, fmt.Errorf("structureComposition: %w", err)
	}
	return composition(), nil
}

// queueComposition queues on b the reads of structureComposition; the
// function it returns evaluates the rules once the batch's results are read.
func queueComposition(b *pgx.Batch, structureID int64, st domain.StructureType) func() []registry.Check {
	var legal string
	var hasFINESS bool
	var members []registry.Member
	b.Queue(`SELECT coalesce(legal_form, ''), finess IS NOT NULL FROM organisations WHERE id = $1`, structureID).
		QueryRow(func(row pgx.Row) error { return row.Scan(&legal, &hasFINESS) })
	b.Queue(`SELECT profession FROM members WHERE structure_id = $1`, structureID).Query(func(rows pgx.Rows) error {
		var err error
		members, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (registry.Member, error) {
			var p string
			err := r.Scan(&p)
			return registry.Member{Profession: registry.Profession(p)}, err
		})
		return err
	})
	return func() []registry.Check { return registry.Composition(st, legal, hasFINESS, members) }
}
