package contractlife

// MandatoryUnit is the unit of a mandatory CPTS indicator
// (funding.MandatoryCPTSIndicators, docs/rules.md §6): the four shares and
// rates are percentages, the number of unscheduled-care consultations a
// count. Decision (docs/rules.md §28): the default an indicator is created
// with; the coordinator may change it. An unknown code is a count.
func MandatoryUnit(code string) Unit {
	switch code {
	case "patientele_mt", "sans_mt_ald_70_cmuc", "urgences_sans_hospitalisation", "admissions_directes_ville":
		return Percent
	}
	return Count
}
