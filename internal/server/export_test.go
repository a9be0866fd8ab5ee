package server_test

import (
	"github.com/PuerkitoBio/goquery"
	"github.com/portail-aci/aci/internal/auth"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/store"
)

func authHash(p string) (string, error) { return auth.Hash(p) }

func newMSP(name, dep string) store.NewOrganisation {
	return store.NewOrganisation{Kind: domain.OrgStructure, StructureType: domain.MSP, Name: name, Departement: dep}
}

type goquerySelection = goquery.Selection
