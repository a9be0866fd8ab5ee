package server_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/portail-aci/aci/internal/seed"
)

// BenchmarkKeyPages loads the pages of make bench (internal/bench), each as
// its role, through the whole HTTP stack on the demo data, one request at a
// time: the CPU and allocations per page view, for profiles
// (go test -run '^$' -bench KeyPages -benchmem -cpuprofile cpu.out).
func BenchmarkKeyPages(b *testing.B) {
	e := newSerialEnv(b)
	val := e.demoDossierID(seed.ValDeDemo)
	lille := e.demoDossierID(seed.MSPLille)
	var valOrg int64
	if err := e.st.Pool.QueryRow(context.Background(), `SELECT id FROM organisations WHERE name = $1`, seed.ValDeDemo).Scan(&valOrg); err != nil {
		b.Fatal(err)
	}
	clients := map[string]*client{"": e.client()}
	as := func(email string) *client {
		if c, ok := clients[email]; ok {
			return c
		}
		c := e.loggedIn(email)
		clients[email] = c
		return c
	}
	for _, p := range []struct{ name, who, path string }{
		{"healthz", "", "/healthz"},
		{"login", "", "/login"},
		{"home/coordinator", "coordinateur@demo.portail-aci.fr", "/"},
		{"home/msp", "msp@demo.portail-aci.fr", "/"},
		{"home/referent", "referent@demo.portail-aci.fr", "/"},
		{"home/ars", "ars@demo.portail-aci.fr", "/"},
		{"home/dcgdr", "dcgdr@demo.portail-aci.fr", "/"},
		{"home/admin", "admin@demo.portail-aci.fr", "/"},
		{"instruction", "referent@demo.portail-aci.fr", "/instruction"},
		{"dossier/referent", "referent@demo.portail-aci.fr", dpath(val, "")},
		{"dossier/coordinator", "coordinateur@demo.portail-aci.fr", dpath(val, "")},
		{"contract/msp", "msp@demo.portail-aci.fr", dpath(lille, "/contrat")},
		{"payments/cpam", "cpam.nord@demo.portail-aci.fr", "/paiements"},
		{"territory-search", "coordinateur@demo.portail-aci.fr", "/structures/" + strconv.FormatInt(valOrg, 10) + "/territoire?q=saint"},
		{"simulator", "coordinateur@demo.portail-aci.fr", "/simulateur"},
		{"steering", "admin@demo.portail-aci.fr", "/pilotage"},
		{"structures-csv", "admin@demo.portail-aci.fr", "/structures/export.csv"},
	} {
		c := as(p.who)
		b.Run(p.name, func(b *testing.B) { benchGet(b, c, p.path) })
	}
}
