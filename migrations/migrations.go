// Package migrations embeds the goose SQL migrations of Portail ACI.
//
// Numbering by area, so that parallel work does not collide:
// 00001–00009 foundation and reference data, 00010–00019 funding barèmes,
// 00020–00029 structures and territories, 00030–00048 dossier workflow
// (content, documents, messages, notifications, contracts, payments); from
// 00049 on, in the order they are written (goose refuses a migration numbered
// below one already applied).
package migrations

import "embed"

// FS holds every *.sql migration.
//
//go:embed *.sql
var FS embed.FS
