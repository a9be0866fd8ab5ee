package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
)

// Reminders of the yearly evaluation (docs/rules.md §29).
const (
	yearWindowOpen    = "ouverture"
	yearWindowClosing = "fermeture"
	yearSubmitted     = "transmise"
	yearReadyToClose  = "a_cloturer"
)

// SendYearReminders tells, for every contract in force (docs/rules.md §29):
// the structure when a declaration window opens (in its first week) and a
// week before it closes, while its declaration is not submitted; the CPAM
// when a declaration is submitted and when a year is ready to close. Each
// notice exists once per user, contract, year and kind (notifications'
// source): the job may run any number of times. It returns how many notices
// were created.
// System path, no scope: background job, never called on behalf of a user.
func (s *Store) SendYearReminders(ctx context.Context, today domain.Date, linkBase string, now time.Time) (int, error) {
	rows, err := s.sys().Query(ctx, `SELECT c.id FROM contracts c WHERE c.state IN ('actif', 'resiliation_demandee') AND c.start_date IS NOT NULL ORDER BY c.id`)
	if err != nil {
		return 0, pgError("store.SendYearReminders", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, pgError("store.SendYearReminders", err)
	}
	sent := 0
	for _, id := range ids {
		err := s.sysTx(ctx, func(tx pgx.Tx) error {
			c, err := scanContract(tx.QueryRow(ctx, "SELECT "+contractColumns+contractFrom+" WHERE c.id = $1", id))
			if err != nil {
				return err
			}
			n, err := yearReminders(ctx, tx, c, today, linkBase, now)
			sent += n
			return err
		})
		if err != nil {
			return sent, pgError("store.SendYearReminders", err)
		}
	}
	return sent, nil
}

// contractYears lists the years of contract c (CPTS 1..5, MSP its civil years).
func contractYears(c Contract) []int {
	var out []int
	if c.StructureType == domain.MSP {
		for y := c.Start.Y; y <= c.End.AddDays(-1).Y; y++ {
			out = append(out, y)
		}
		return out
	}
	for n := 1; n <= 5; n++ {
		out = append(out, n)
	}
	return out
}

func yearReminders(ctx context.Context, tx pgx.Tx, c Contract, today domain.Date, linkBase string, now time.Time) (int, error) {
	sent := 0
	for _, n := range contractYears(c) {
		y, err := yearOf(c, n)
		if err != nil {
			return sent, err
		}
		near := !today.Before(y.Window.Open) && !today.After(y.Window.Close.AddDays(62))
		var status string
		_ = tx.QueryRow(ctx, `SELECT status FROM year_evaluations WHERE contract_id = $1 AND year = $2`, c.ID, n).Scan(&status)
		if !near && status == "" {
			continue
		}
		if err := readYear(ctx, tx, c, &y, today); err != nil {
			return sent, err
		}
		if y.Closed {
			continue
		}
		link := "/contrats/" + strconv.FormatInt(c.ID, 10) + "/annees/" + strconv.Itoa(n)
		var kinds []string
		switch {
		case !y.Submitted() && !today.Before(y.Window.Close.AddDays(-7)) && !today.After(y.Window.Close):
			kinds = append(kinds, yearWindowClosing)
		case !y.Submitted() && !today.Before(y.Window.Open) && today.Before(y.Window.Open.AddDays(7)):
			kinds = append(kinds, yearWindowOpen)
		}
		if y.Submitted() {
			kinds = append(kinds, yearSubmitted)
			if len(y.Missing) == 0 {
				kinds = append(kinds, yearReadyToClose)
			}
		}
		for _, k := range kinds {
			title, body, aud := yearNotice(y, k)
			p, err := ntfLoadPlace(ctx, tx, c.DossierID)
			if err != nil {
				return sent, err
			}
			rs, err := ntfRecipients(ctx, tx, p, aud, 0)
			if err != nil {
				return sent, err
			}
			nt := ntfNotice{DossierID: c.DossierID, Kind: NotifReminder, Title: p.StructureName + " : " + title, Body: body, Link: link,
				Source: fmt.Sprintf("annee:%d:%d:%s", c.ID, n, k)}
			m, err := ntfNotify(ctx, tx, rs, nt, linkBase, now)
			if err != nil {
				return sent, err
			}
			sent += m
		}
	}
	return sent, nil
}

func yearNotice(y ContractYear, kind string) (string, string, []workflow.Audience) {
	name := yearName(y)
	switch kind {
	case yearWindowOpen:
		return fmt.Sprintf("déclaration des indicateurs de l'année %s ouverte", name),
			fmt.Sprintf("Vous pouvez déclarer les valeurs des indicateurs %s.", y.Window.Label()), []workflow.Audience{workflow.ToStructure}
	case yearWindowClosing:
		return fmt.Sprintf("déclaration des indicateurs de l'année %s : clôture le %s", name, y.Window.Close.French()),
			fmt.Sprintf("La période de déclaration se termine le %s : transmettez vos valeurs à la CPAM.", y.Window.Close.French()), []workflow.Audience{workflow.ToStructure}
	case yearSubmitted:
		return fmt.Sprintf("déclaration des indicateurs de l'année %s transmise", name),
			"La structure a transmis ses valeurs : validez-les ou corrigez-les avec un motif.", []workflow.Audience{workflow.ToCPAM}
	}
	return fmt.Sprintf("l'année %s peut être clôturée", name),
		"Toutes les valeurs sont validées et le dialogue de gestion est enregistré : clôturez l'année pour créer ses soldes.", []workflow.Audience{workflow.ToCPAM}
}
