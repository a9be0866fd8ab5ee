package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/domain"
)

// DefaultStorageQuota is the bytes of uploaded files the dossiers of one
// structure may hold: the document versions its users upload and the
// message attachments of its threads (whoever posts them). Generated
// documents (made by the portal from the territory and the registry) do
// not count and are never refused.
//
// Decision: 500 Mo. A dossier needs a handful of documents of a few Mo
// each (filetype.MaxSize, 20 Mo, at most), so years of dossiers, avenants
// and messages fit many times over, while no single tenant can fill the
// database that every other tenant shares.
const DefaultStorageQuota int64 = 500 << 20

func (s *Store) quota() int64 {
	if s.storageQuota > 0 {
		return s.storageQuota
	}
	return DefaultStorageQuota
}

// structureStorageSQL is the bytes counted against a structure's quota ($1).
const structureStorageSQL = `SELECT
	coalesce((SELECT sum(f.size) FROM document_versions v JOIN documents x ON x.id = v.document_id
		JOIN stored_files f ON f.id = v.file_id JOIN dossiers d ON d.id = x.dossier_id
		WHERE d.structure_id = $1 AND NOT v.generated), 0)::bigint +
	coalesce((SELECT sum(a.size) FROM message_attachments a JOIN messages m ON m.id = a.message_id
		JOIN dossiers d ON d.id = m.dossier_id WHERE d.structure_id = $1), 0)::bigint`

// checkStorageQuota refuses, as a field error on field, adding size bytes to
// the files of structureID's dossiers beyond the quota (0 means none: the
// seed). It holds a transaction-level lock per structure until commit, so
// two uploads at once cannot both pass on the same room.
func checkStorageQuota(ctx context.Context, tx pgx.Tx, quota, structureID, size int64, field string) error {
	if quota <= 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('aci.storage_quota'), $1::int)`, structureID); err != nil {
		return err
	}
	var used int64
	if err := tx.QueryRow(ctx, structureStorageSQL, structureID).Scan(&used); err != nil {
		return err
	}
	if used+size > quota {
		return domain.FieldError(field, "L'espace de stockage des fichiers de la structure est plein (%s utilisés sur %s, ce fichier en demande %s) : "+
			"retirez d'anciennes pièces jointes inutiles ou contactez le support.", mo(used), mo(quota), mo(size))
	}
	return nil
}

// mo writes a size in Mo for the French messages ("12,4 Mo").
func mo(n int64) string {
	return fmt.Sprintf("%d,%d Mo", n>>20, (n%(1<<20))*10>>20)
}
