package pages

// TerritorySummary is the territory block of a structure page
// (docs/rules.md §21). The territory area fills it
// (server.territorySummaryFunc); the structures area only shows it.
type TerritorySummary struct {
	Communes   int
	Population string // formatted, e.g. "45 312"
	Tier       string // "Taille 2 (40 000 – 80 000 habitants)" or "2"
	Year       string // millésime of the populations
	EditURL    string
	CanEdit    bool
}
