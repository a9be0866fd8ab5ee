package funding

import (
	"fmt"
	"strings"
	"time"

	"github.com/portail-aci/aci/internal/domain"
)

// MSPAxis is one of the three axes of the ACI MSP (CPAM FémasIF 2018: "indicateurs
// organisés autour de 3 axes (accès aux soins, travail en équipe et
// coordination, système d'information partagé)").
type MSPAxis string

const (
	AxisAcces              MSPAxis = "acces"
	AxisTravailEquipe      MSPAxis = "travail_equipe"
	AxisSystemeInformation MSPAxis = "systeme_information"
)

// MSPKind is an indicator's weight in the payment (docs/rules.md §9).
type MSPKind string

const (
	MSPPrerequis MSPKind = "prerequis" // socle prérequis: conditions any payment
	MSPSocle     MSPKind = "socle"     // socle: conditions the advance
	MSPOptionnel MSPKind = "optionnel" // optional
)

// MSPIndicator is one indicator of an MSP barème, worth fixed points and/or
// variable points (scaled by the patientèle, see MSPRemuneration).
type MSPIndicator struct {
	Bareme         string // barème code: "aci-msp-2017", "aci-msp-avenant-1"
	Code           string
	Label          string // French
	Axis           MSPAxis
	Kind           MSPKind
	FixedPoints    int64
	VariablePoints int64
	// Group, when set, names mutually exclusive levels of one indicator:
	// only the best met level of a group counts.
	Group string
}

// BuiltinMSP returns the known MSP indicator values (docs/rules.md §9; ACI MSP
// 20/04/2017, avenant 1 2022, ameli.fr). The full table is not at hand: the
// others are data an admin enters, not code. migrations/00010_baremes.sql
// inserts exactly these rows.
func BuiltinMSP() []MSPIndicator {
	return []MSPIndicator{
		{Bareme: "aci-msp-2017", Code: "horaires_soins_non_programmes",
			Label: "Ouverture de 8 h à 20 h en semaine et le samedi matin, accès à des soins non programmés chaque jour ouvré",
			Axis:  AxisAcces, Kind: MSPPrerequis, FixedPoints: 1200},
		{Bareme: "aci-msp-avenant-1", Code: "fonction_coordination",
			Label: "Fonction de coordination",
			Axis:  AxisTravailEquipe, Kind: MSPPrerequis, FixedPoints: 1000, VariablePoints: 1700},
		{Bareme: "aci-msp-avenant-1", Code: "sas_tous_medecins",
			Label: "Participation au service d'accès aux soins (SAS) de tous les médecins",
			Axis:  AxisAcces, Kind: MSPOptionnel, FixedPoints: 200, Group: "sas"},
		{Bareme: "aci-msp-avenant-1", Code: "sas_moitie_medecins",
			Label: "Participation au service d'accès aux soins (SAS) d'au moins 50 % des médecins",
			Axis:  AxisAcces, Kind: MSPOptionnel, FixedPoints: 100, Group: "sas"},
	}
}

// MSPBareme holds the parameters of an MSP barème that an avenant may change
// (docs/rules.md §4 "everything an avenant may change is part of the barème,
// not a constant"; §9): the value of a point, the reference patientèle of the
// variable points and the advance rate. Its indicators are MSPIndicator rows
// with the same barème code.
type MSPBareme struct {
	Code string // "aci-msp-2017", "aci-msp-avenant-1"
	Name string
	// PointValue is the value of one point (ameli.fr "1 point = 7 €").
	PointValue domain.Cents
	// ReferencePatientele is the patientèle médecin traitant against which
	// variable points are scaled (ACI MSP: 4 000 patients).
	ReferencePatientele int64
	// AdvancePercent is the advance, in % of the remuneration for 100 % of
	// the socle indicators (ACI MSP: 60 %).
	AdvancePercent int64
}

// Validate checks an MSP barème entered as data.
func (b MSPBareme) Validate() error {
	switch {
	case b.Code == "":
		return domain.Errorf(domain.EInvalid, "barème MSP sans code")
	case b.PointValue <= 0 || b.PointValue > MaxAmount/100_000:
		return domain.Errorf(domain.EInvalid, "barème MSP %s : valeur du point hors limites", b.Code)
	case b.ReferencePatientele <= 0:
		return domain.Errorf(domain.EInvalid, "barème MSP %s : patientèle de référence invalide (%d)", b.Code, b.ReferencePatientele)
	case b.AdvancePercent < 0 || b.AdvancePercent > 100:
		return domain.Errorf(domain.EInvalid, "barème MSP %s : taux d'avance %d %% hors de [0, 100]", b.Code, b.AdvancePercent)
	}
	return nil
}

// BuiltinMSPBaremes returns the MSP barèmes whose indicators BuiltinMSP
// lists, with today's values (docs/rules.md §9: 1 point = 7 €, reference
// patientèle 4 000, advance 60 %). The migrations insert exactly these rows.
func BuiltinMSPBaremes() []MSPBareme {
	return []MSPBareme{
		{Code: "aci-msp-2017", Name: "ACI MSP 2017", PointValue: 7_00, ReferencePatientele: 4_000, AdvancePercent: 60},
		{Code: "aci-msp-avenant-1", Name: "ACI MSP avenant 1 (2022)", PointValue: 7_00, ReferencePatientele: 4_000, AdvancePercent: 60},
	}
}

// MSPBaremeByCode returns the MSP barème of code `code` in list.
func MSPBaremeByCode(list []MSPBareme, code string) (MSPBareme, error) {
	for _, b := range list {
		if b.Code == code {
			return b, nil
		}
	}
	return MSPBareme{}, domain.Errorf(domain.EInvalid, "barème MSP %q non saisi", code)
}

// MSPIndicatorAmount is what one indicator is worth under MSP barème b:
// fixed points × point value + variable points × point value × patientèle /
// reference patientèle (7 € and 4 000 today).
//
// Decision (docs/rules.md §9): variable points × patientèle / 4 000, computed
// in cents with one rounding (MulDiv).
func MSPIndicatorAmount(b MSPBareme, ind MSPIndicator, patientele int64) domain.Cents {
	if b.ReferencePatientele <= 0 {
		return 0 // refused by Validate; MSPRemuneration reports it
	}
	return domain.Cents(ind.FixedPoints)*b.PointValue +
		domain.MulDiv(domain.Cents(ind.VariablePoints)*b.PointValue, patientele, b.ReferencePatientele)
}

// MSPRemuneration is the annual remuneration of an MSP for the indicators met
// (docs/rules.md §9: "socle prérequis (conditions any payment)"): 0 when any
// prérequis is not met; otherwise the sum of the met indicators' amounts,
// counting only the best met level of an exclusive group.
func MSPRemuneration(b MSPBareme, inds []MSPIndicator, met map[string]bool, patientele int64) (domain.Cents, error) {
	if err := b.Validate(); err != nil {
		return 0, err
	}
	if patientele < 0 {
		return 0, domain.FieldError("patientele", "patientèle négative (%d)", patientele)
	}
	best := map[string]domain.Cents{}
	var total domain.Cents
	for _, ind := range inds {
		if ind.FixedPoints < 0 || ind.VariablePoints < 0 {
			return 0, domain.Errorf(domain.EInvalid, "indicateur %s : points négatifs", ind.Code)
		}
		if !met[ind.Code] {
			if ind.Kind == MSPPrerequis {
				return 0, nil
			}
			continue
		}
		a := MSPIndicatorAmount(b, ind, patientele)
		if ind.Group == "" {
			total += a
		} else if a > best[ind.Group] {
			best[ind.Group] = a
		}
	}
	for _, a := range best {
		total += a
	}
	return total, nil
}

// MSPYearInput describes one civil year of an MSP contract.
type MSPYearInput struct {
	Bareme     MSPBareme // point value, reference patientèle, advance rate
	Indicators []MSPIndicator
	Met        map[string]bool // indicators met, after the annual evaluation
	Patientele int64           // patientèle médecin traitant of the SISA's associated doctors
	Year       int             // civil year
	Contracted domain.Date     // contracting date
}

// MSPYear is the payment of one civil year of an MSP contract.
type MSPYear struct {
	Year                   int
	Days, YearDays         int64        // proration to the contracting date
	Remuneration           domain.Cents // due for the year (indicators met, prorated)
	Advance                domain.Cents // the barème's advance (60 %) of the remuneration for 100 % of the socle, prorated
	AdvanceDue, BalanceDue domain.Date
	Balance                domain.Cents // Remuneration − Advance (negative: to be recovered)
	AdvanceRule            string
	BalanceRule            string
}

// MSPSchedule computes the civil-year payments of an MSP (docs/rules.md §9; ACI
// MSP; ameli.fr): an advance of the barème's rate (60 %) of the remuneration for 100 % of the
// socle indicators (prérequis and socle met, optional ones not counted),
// prorated to the contracting date (days from contracting, inclusive, to 31/12
// inclusive ÷ days in the year), due within 3 months of contracting for a new
// adherent (the contracting year) or by 30 April of the year; the balance by
// 30 April of year N+1.
func MSPSchedule(in MSPYearInput) (MSPYear, error) {
	if in.Contracted.IsZero() {
		return MSPYear{}, domain.FieldError("contracted", "date de contractualisation manquante")
	}
	if in.Year < in.Contracted.Y {
		return MSPYear{}, domain.FieldError("year", "année %d antérieure à la contractualisation", in.Year)
	}
	jan1 := domain.Date{Y: in.Year, M: time.January, D: 1}
	next := domain.Date{Y: in.Year + 1, M: time.January, D: 1}
	out := MSPYear{Year: in.Year, YearDays: int64(jan1.DaysUntil(next))}
	out.Days = out.YearDays
	out.AdvanceDue = domain.Date{Y: in.Year, M: time.April, D: 30}
	if in.Year == in.Contracted.Y {
		out.Days = int64(in.Contracted.DaysUntil(next))
		out.AdvanceDue = in.Contracted.AddMonths(3)
	}
	out.BalanceDue = domain.Date{Y: in.Year + 1, M: time.April, D: 30}
	socle := map[string]bool{}
	for _, ind := range in.Indicators {
		if ind.Kind == MSPPrerequis || ind.Kind == MSPSocle {
			socle[ind.Code] = true
		}
	}
	full, err := MSPRemuneration(in.Bareme, in.Indicators, socle, in.Patientele)
	if err != nil {
		return MSPYear{}, err
	}
	actual, err := MSPRemuneration(in.Bareme, in.Indicators, in.Met, in.Patientele)
	if err != nil {
		return MSPYear{}, err
	}
	pct := in.Bareme.AdvancePercent
	out.Advance = domain.MulDiv(full, pct*out.Days, 100*out.YearDays)
	out.Remuneration = domain.MulDiv(actual, out.Days, out.YearDays)
	out.Balance = out.Remuneration - out.Advance
	out.AdvanceRule = fmt.Sprintf("Avance de %d %% de la rémunération pour 100 %% des indicateurs socle (ACI MSP)", pct)
	if out.Days != out.YearDays {
		out.AdvanceRule = fmt.Sprintf("Avance de %d %% de la rémunération pour 100 %% des indicateurs socle, proratisée à la date de contractualisation (ACI MSP)", pct)
	}
	out.BalanceRule = "Solde au 30 avril de l'année suivante, après évaluation des indicateurs (ACI MSP)"
	return out, nil
}

// ESPStatus qualifies the ESP forfait: a CNAM proposal of November 2020,
// never found in a signed text (docs/rules.md §9).
const ESPStatus = "proposition, non en vigueur"

// ESPForfait is the proposed ESP forfait (docs/rules.md §9; avenant 2 negotiation: "20€ par
// patient par an dans la limite de 20% de la patientèle MT … 1 ESP suivant une
// patientèle de 300 patients percevrait une rémunération de 6 000€ par an"):
// 20 € × coordinated patients, at most 20 % of the patientèle médecin
// traitant. Decision: the cap is a whole number of patients, 20 % rounded
// down. Show it with ESPStatus.
func ESPForfait(patients, patienteleMT int64) (domain.Cents, error) {
	if patients < 0 || patienteleMT < 0 {
		return 0, domain.Errorf(domain.EInvalid, "nombre de patients négatif")
	}
	if limit := patienteleMT * 20 / 100; patients > limit {
		patients = limit
	}
	return domain.Euros(20 * patients), nil
}

// Forfait structure losses of a médecin libéral (docs/rules.md §9; URPS HDF guide:
// "une perte financière d'un montant de 2 800 euros annuel … la perte totale
// peut aller jusqu'à un montant de 9 695 euros (2800 euros volet 1 + 6895
// euros volet 2)").
const (
	ForfaitStructureVolet1 domain.Cents = 2_800_00
	ForfaitStructureVolet2 domain.Cents = 6_895_00
)

// ForfaitStructureLoss is what a doctor loses a year without the
// coordinated-practice indicator of volet 1: volet 1's 2 800 € and, volet 2
// being open only when every volet-1 indicator is met, volet 2's 6 895 € too:
// up to 9 695 €.
func ForfaitStructureLoss(coordinatedIndicatorMet bool) domain.Cents {
	if coordinatedIndicatorMet {
		return 0
	}
	return ForfaitStructureVolet1 + ForfaitStructureVolet2
}

// MSPContractDifferences explains, in French, why the estimate of an MSP
// dossier (the indicators it chose, its declared patientèle; variable points
// at zero without one) differs from its contract (every prérequis and socle
// indicator at 100 %, on the patientèle frozen in the contract: the declared
// one, or the reference patientèle without one — docs/rules.md §9). Empty
// when both are computed on the same basis.
func MSPContractDifferences(inds []MSPIndicator, chosen map[string]bool, declared *int64, contractPatientele int64) []string {
	var out []string
	switch {
	case declared == nil:
		out = append(out, "aucune patientèle n'est déclarée : l'estimation compte les points variables à zéro, le contrat est calculé sur la patientèle de référence de "+
			domain.GroupThousands(contractPatientele)+" patients")
	case *declared != contractPatientele:
		out = append(out, "la patientèle déclarée ("+domain.GroupThousands(*declared)+" patients) n'est plus celle du contrat ("+
			domain.GroupThousands(contractPatientele)+" patients), figée à l'acceptation du dossier")
	}
	var notChosen, optional []string
	for _, ind := range inds {
		switch {
		case ind.Kind != MSPOptionnel && !chosen[ind.Code]:
			notChosen = append(notChosen, ind.Label)
		case ind.Kind == MSPOptionnel && chosen[ind.Code]:
			optional = append(optional, ind.Label)
		}
	}
	if len(notChosen) > 0 {
		out = append(out, "le contrat compte tous les indicateurs prérequis et socle ; l'estimation ne compte pas ceux que vous n'avez pas retenus : "+
			strings.Join(notChosen, " ; "))
	}
	if len(optional) > 0 {
		out = append(out, "l'estimation compte des indicateurs optionnels que le contrat ne compte qu'après l'évaluation annuelle : "+
			strings.Join(optional, " ; "))
	}
	return out
}
