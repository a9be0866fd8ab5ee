package workflow

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/portail-aci/aci/internal/domain"
)

// FuzzSequences plays random sequences of attempts, applying each allowed
// outcome as the store would, and checks that the dossier never reaches a
// state outside its type's declared graph, that every applied step is an
// edge of the table, and that every refusal is a coded, non-internal error.
func FuzzSequences(f *testing.F) {
	f.Add([]byte{0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22})
	f.Add([]byte{1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3})
	f.Add([]byte{2, 255, 128, 64, 32, 16, 8, 4, 2, 1})
	f.Fuzz(func(t *testing.T, data []byte) { play(t, data) })
}

// TestRandomWalks plays many pseudo-random sequences (fixed seed) through
// the same checks as the fuzz test, and makes sure they visit every state of
// every type's graph, so the invariant is exercised deep in the lifecycle.
func TestRandomWalks(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, st := range []byte{0, 1, 2} {
		seen := map[State]bool{}
		for range 3000 {
			data := make([]byte, 1+2*rng.IntN(120))
			for i := range data {
				data[i] = byte(rng.UintN(256))
			}
			data[0] = st
			for s := range play(t, data) {
				seen[s] = true
			}
		}
		for _, s := range States(types[st]) {
			if !seen[s] {
				t.Errorf("%s: state %s never reached", types[st], s)
			}
		}
	}
}

var actorsPool = []Actor{
	actorFor(coordinator()),
	actorFor(Who{domain.OrgStructure, domain.RoleMember}),
	actorFor(cpamReferent()),
	actorFor(cpamManager()),
	actorFor(arsAgent()),
	actorFor(arsDirector()),
	actorFor(dcgdrRev()),
	{OrgKind: domain.OrgNational, Role: domain.RoleAdmin, InScope: true},
	{OrgKind: domain.OrgCPAM, Role: domain.RoleManager}, // out of scope
	systemActor,
}

// play runs one sequence and returns the states visited.
func play(t *testing.T, data []byte) map[State]bool {
	t.Helper()
	visited := map[State]bool{Brouillon: true}
	if len(data) == 0 {
		return visited
	}
	{
		st := types[int(data[0])%len(types)]
		graph := States(st)
		state := Brouillon
		var posARS, posDCGDR *Position
		sigs := map[Party]bool{}
		day := today
		for i := 1; i+1 < len(data); i += 2 {
			a, b := data[i], data[i+1]
			// Half the steps pick among the transitions leaving the current
			// state (and an allowed actor), so sequences go deep.
			r := rules()[int(a)%len(rules())]
			var leaving []Rule
			for _, c := range rules() {
				if slices.Contains(c.From[st], state) {
					leaving = append(leaving, c)
				}
			}
			if a&1 == 1 && len(leaving) > 0 {
				r = leaving[int(a>>2)%len(leaving)]
			}
			actor := actorsPool[int(a/32+b)%len(actorsPool)]
			if a&2 != 0 {
				as := actors(r)
				actor = as[int(b)%len(as)]
			}
			in := Attempt{
				Transition:             r.Code,
				StructureType:          st,
				From:                   state,
				Actor:                  actor,
				Today:                  day,
				Motivation:             []string{"", "Motif."}[b&1],
				CompositionOK:          b&2 != 0,
				OpenComplementRequests: int(b>>2) % 3,
				Position:               []Position{"", Favorable, Defavorable, Favorable}[(b>>4)&3],
				PositionARS:            posARS,
				PositionDCGDR:          posDCGDR,
				Signatures:             sigs,
				ProjetSanteFiled:       day.AddMonths(-int(b>>6) % 3),
				ResiliationReceived:    day.AddMonths(-int(b>>6) % 3),
				ContractStart:          day.AddYears(-5 * int(b>>7)),
			}
			if b&4 != 0 {
				in.Documents = map[Document]bool{DocProjetSante: true, DocStatuts: true, DocContoursTerritoire: true, DocListeMembres: true}
			}
			out, err := Check(in)
			if err != nil {
				switch c := domain.ErrorCode(err); c {
				case domain.ENotFound, domain.EConflict, domain.EInvalid:
				default:
					t.Fatalf("step %d %s from %s: error code %q: %v", i, r.Code, state, c, err)
				}
				continue
			}
			if !slices.Contains(r.Targets(state), out.To) {
				t.Fatalf("step %d: %s from %s to %s is not an edge", i, r.Code, state, out.To)
			}
			if !slices.Contains(graph, out.To) {
				t.Fatalf("step %d: %s reached %s outside the %s graph %v", i, r.Code, out.To, st, graph)
			}
			if !in.Actor.System && !slices.Contains(Available(st, state, in.Actor), r.Code) {
				t.Fatalf("step %d: %s allowed but not Available", i, r.Code)
			}
			// Apply, as the store would.
			switch r.Code {
			case PositionARS:
				p := out.Position
				posARS = &p
			case PositionDCGDR:
				p := out.Position
				posDCGDR = &p
			case Signer:
				sigs[out.Signed] = true
			}
			state = out.To
			visited[state] = true
			if out.OpensContract {
				state = ASigner
				if !slices.Contains(graph, state) {
					t.Fatalf("contract opened for %s", st)
				}
			}
			visited[state] = true
			day = day.AddDays(int(b % 40))
		}
	}
	return visited
}
