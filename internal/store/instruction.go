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
// the viewer's scope (the dossier page has it: no second read).
func (s *Store) DossierChecklistOf(ctx context.Context, d Dossier) (InstructionChecklist, error) {
	var out InstructionChecklist
	tx, err := s.sys().BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return out, pgError("store.DossierChecklist", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	err = func() error {
		rows, err := tx.Query(ctx, `SELECT code, versions, review_state, review_comment FROM documents
			WHERE dossier_id = $1 AND code <> 'autre'`, d.ID)
		if err != nil {
			return err
		}
		type docRow struct {
			versions        int
			review, comment string
		}
		byCode := map[string]docRow{}
		for rows.Next() {
			var code string
			var x docRow
			if err := rows.Scan(&code, &x.versions, &x.review, &x.comment); err != nil {
				rows.Close()
				return err
			}
			byCode[code] = x
		}
		if err := rows.Err(); err != nil {
			return err
		}
		var toRedo []workflow.Document
		for _, c := range workflow.RequiredDocuments(d.StructureType) {
			x := byCode[string(c)]
			cd := ChecklistDocument{Code: c, Title: DocTitle(c), State: stateOf(x.versions, x.review)}
			if cd.State == DocARefaire {
				cd.Comment = x.comment
				toRedo = append(toRedo, c)
			}
			out.Documents = append(out.Documents, cd)
		}
		if out.Composition, err = structureComposition(ctx, tx, d.StructureID, d.StructureType); err != nil {
			return err
		}
		c, err := loadContent(ctx, tx, d)
		if err != nil {
			return err
		}
		for _, sec := range Sections(d.StructureType) {
			out.Sections = append(out.Sections, ChecklistSection{Section: sec, Filled: c.filled(sec)})
		}
		out.ContentMissing = c.Missing(workflow.DeposerDemande)
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM dossier_complements WHERE dossier_id = $1 AND answered_at IS NULL`, d.ID).
			Scan(&out.OpenRequests); err != nil {
			return err
		}
		out.AvisBlockers = workflow.AvisFavorableBlockers(toRedo, out.OpenRequests)
		return nil
	}()
	return out, pgError("store.DossierChecklist", err)
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
	var legal string
	var hasFINESS bool
	if err := q.QueryRow(ctx, `SELECT coalesce(legal_form, ''), finess IS NOT NULL FROM organisations WHERE id = $1`, structureID).
		Scan(&legal, &hasFINESS); err != nil {
		return nil, fmt.Errorf("structureComposition: %w", err)
	}
	rows, err := q.Query(ctx, `SELECT profession FROM members WHERE structure_id = $1`, structureID)
	if err != nil {
		return nil, fmt.Errorf("structureComposition: %w", err)
	}
	members, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (registry.Member, error) {
		var p string
		err := r.Scan(&p)
		return registry.Member{Profession: registry.Profession(p)}, err
	})
	if err != nil {
		return nil, fmt.Errorf("structureComposition: %w", err)
	}
	return registry.Composition(st, legal, hasFINESS, members), nil
}
