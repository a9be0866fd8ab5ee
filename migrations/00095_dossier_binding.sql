-- +goose Up
-- A dossier is bound, when it is first filed (it leaves brouillon), to its
-- instructing organisations: the CPAM, ARS and DCGDR of the structure's seat
-- at that moment (docs/rules.md §33). The agencies' scope on the dossier,
-- its contract and everything hanging off them follows this binding, not the
-- structure's current seat. bound_at NULL: never filed (a draft follows the
-- seat). seat_departement is the seat's département when filed.
ALTER TABLE dossiers
    ADD COLUMN bound_at         timestamptz,
    ADD COLUMN seat_departement text REFERENCES departements (code),
    ADD COLUMN cpam_id          bigint REFERENCES organisations (id),
    ADD COLUMN ars_id           bigint REFERENCES organisations (id),
    ADD COLUMN dcgdr_id         bigint REFERENCES organisations (id);
CREATE INDEX dossiers_cpam_idx ON dossiers (cpam_id) WHERE cpam_id IS NOT NULL;
CREATE INDEX dossiers_ars_idx ON dossiers (ars_id) WHERE ars_id IS NOT NULL;
CREATE INDEX dossiers_dcgdr_idx ON dossiers (dcgdr_id) WHERE dcgdr_id IS NOT NULL;

-- Backfill: every dossier already filed (past brouillon now, or returned to
-- it after a filing) is bound to the organisations of its structure's
-- current seat, dated by its first filing.
WITH filed AS (
    SELECT d.id, coalesce(
        (SELECT min(a.at) FROM dossier_audit a WHERE a.dossier_id = d.id AND a.from_state = 'brouillon' AND a.to_state <> 'brouillon'),
        d.state_since) AS at
    FROM dossiers d
    WHERE d.state <> 'brouillon'
       OR EXISTS (SELECT 1 FROM dossier_audit a WHERE a.dossier_id = d.id AND a.from_state = 'brouillon' AND a.to_state <> 'brouillon')
)
UPDATE dossiers d SET bound_at = f.at, seat_departement = o.departement,
    cpam_id = (SELECT c.id FROM organisations c JOIN organisation_departements od ON od.org_id = c.id
               WHERE c.kind = 'cpam' AND od.departement = o.departement ORDER BY c.archived_at IS NOT NULL, c.id LIMIT 1),
    ars_id = (SELECT x.id FROM organisations x JOIN departements dp ON dp.region = x.region
              WHERE x.kind = 'ars' AND dp.code = o.departement ORDER BY x.archived_at IS NOT NULL, x.id LIMIT 1),
    dcgdr_id = (SELECT x.id FROM organisations x JOIN departements dp ON dp.region = x.region
                WHERE x.kind = 'dcgdr' AND dp.code = o.departement ORDER BY x.archived_at IS NOT NULL, x.id LIMIT 1)
FROM filed f, organisations o
WHERE f.id = d.id AND o.id = d.structure_id;

-- +goose Down
ALTER TABLE dossiers DROP COLUMN bound_at, DROP COLUMN seat_departement,
    DROP COLUMN cpam_id, DROP COLUMN ars_id, DROP COLUMN dcgdr_id;
