package server

import (
	"context"
	"net/http"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/store"
)

// The records named by {id} in the URL: withStructure, withDossier and
// withContract (routes.go) load the record through the viewer's Scope once,
// compute the viewer's Permission on it and put both in the request
// context; outside the scope the answer is 404, before the handler runs.
// Handlers read them with structureFrom, dossierFrom and contractFrom.

type resourceKey int

const (
	keyStructure resourceKey = iota
	keyDossier
	keyContract
	keyCrisis
)

// viewerCan reports whether the viewer of r may do a viewer-level act
// (administer, create a structure, see the instruction...).
func viewerCan(r *http.Request, a access.Act) bool {
	return viewerPerm(r.Context()).Can(a)
}

// structurePerm, dossierPerm and contractPerm compute the viewer's
// permission on a record (again after a change: the state moved).
func structurePerm(sc store.Scope, d store.StructureDetail) access.Permission {
	return d.Permission(sc)
}

func dossierPerm(sc store.Scope, d store.Dossier) access.Permission { return d.Permission(sc) }

func contractPerm(sc store.Scope, c store.Contract) access.Permission { return c.Permission(sc) }

type structureValue struct {
	d store.StructureDetail
	p access.Permission
}

type dossierValue struct {
	d store.Dossier
	p access.Permission
}

type contractValue struct {
	c store.Contract
	p access.Permission
}

// withRecord is the shape of the record middleware: the route's {id}, then
// load (through the scope), whose context goes to next; 404 for an id that
// is not one, the store's error (404 outside the scope) otherwise.
func (s *Server) withRecord(next http.Handler, load func(ctx context.Context, sc store.Scope, id int64) (context.Context, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sc, _ := scopeFrom(r.Context())
		id, ok := pathID(chiParam(r, "id"))
		if !ok {
			s.notFound(w, r)
			return
		}
		ctx, err := load(r.Context(), sc, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// withStructure loads the structure {id}.
func (s *Server) withStructure(next http.Handler) http.Handler {
	return s.withRecord(next, func(ctx context.Context, sc store.Scope, id int64) (context.Context, error) {
		d, err := s.store.StructureDetail(ctx, sc, id)
		if err != nil {
			return ctx, err
		}
		return context.WithValue(ctx, keyStructure, structureValue{d, structurePerm(sc, d)}), nil
	})
}

// withDossier loads the dossier {id}.
func (s *Server) withDossier(next http.Handler) http.Handler {
	return s.withRecord(next, s.loadDossier)
}

func (s *Server) loadDossier(ctx context.Context, sc store.Scope, id int64) (context.Context, error) {
	d, err := s.store.Dossier(ctx, sc, id)
	if err != nil {
		return ctx, err
	}
	return context.WithValue(ctx, keyDossier, dossierValue{d, dossierPerm(sc, d)}), nil
}

// withContract loads the contract of dossier {id}. Before the acceptance
// there is none: it then loads the dossier only (the contract tab shows an
// empty state, the contract's actions answer 404).
func (s *Server) withContract(next http.Handler) http.Handler {
	return s.withRecord(next, func(ctx context.Context, sc store.Scope, id int64) (context.Context, error) {
		c, err := s.store.ContractByDossier(ctx, sc, id)
		if domain.IsNotFound(err) {
			return s.loadDossier(ctx, sc, id)
		}
		if err != nil {
			return ctx, err
		}
		return context.WithValue(ctx, keyContract, contractValue{c, contractPerm(sc, c)}), nil
	})
}

// withContractByID loads the contract {id} (its own id, /contrats/{id}):
// 404 outside the scope.
func (s *Server) withContractByID(next http.Handler) http.Handler {
	return s.withRecord(next, func(ctx context.Context, sc store.Scope, id int64) (context.Context, error) {
		c, err := s.store.ContractByID(ctx, sc, id)
		if err != nil {
			return ctx, err
		}
		return context.WithValue(ctx, keyContract, contractValue{c, contractPerm(sc, c)}), nil
	})
}

type crisisValue struct {
	k   store.Crisis
	res []store.CrisisResult
}

// withCrisis loads the crisis {id} through the crises' scope (store.Scope:
// docs/rules.md §31) with the results of the CPTS in scope; 404 outside it.
func (s *Server) withCrisis(next http.Handler) http.Handler {
	return s.withRecord(next, func(ctx context.Context, sc store.Scope, id int64) (context.Context, error) {
		k, res, err := s.store.CrisisByID(ctx, sc, id)
		if err != nil {
			return ctx, err
		}
		return context.WithValue(ctx, keyCrisis, crisisValue{k, res}), nil
	})
}

// crisisFrom is the crisis withCrisis loaded.
func crisisFrom(r *http.Request) (store.Crisis, []store.CrisisResult) {
	v, _ := r.Context().Value(keyCrisis).(crisisValue)
	return v.k, v.res
}

// structureFrom is the structure withStructure loaded, with the viewer's
// scope and permission on it.
func structureFrom(r *http.Request) (store.Scope, store.StructureDetail, access.Permission) {
	sc, _ := scopeFrom(r.Context())
	v, _ := r.Context().Value(keyStructure).(structureValue)
	return sc, v.d, v.p
}

// dossierFrom is the dossier withDossier loaded.
func dossierFrom(r *http.Request) (store.Scope, store.Dossier, access.Permission) {
	sc, _ := scopeFrom(r.Context())
	v, _ := r.Context().Value(keyDossier).(dossierValue)
	return sc, v.d, v.p
}

// contractFrom is the contract withContract loaded; ok false before the
// acceptance (dossierFrom then has the dossier).
func contractFrom(r *http.Request) (sc store.Scope, c store.Contract, p access.Permission, ok bool) {
	sc, _ = scopeFrom(r.Context())
	v, ok := r.Context().Value(keyContract).(contractValue)
	return sc, v.c, v.p, ok
}
