package workflow

// Files reports whether a transition from → to files the dossier: it leaves
// the draft (brouillon) for another state. The first filing binds the
// dossier to the CPAM, ARS and DCGDR of its structure's seat; a dossier sent
// back to brouillon and filed again keeps its first binding (docs/rules.md
// §33).
func Files(from, to State) bool { return from == Brouillon && to != Brouillon }
