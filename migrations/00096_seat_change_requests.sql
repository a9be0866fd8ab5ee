-- +goose Up
-- A change of a structure's seat (département, commune) once one of its
-- dossiers is filed is a request of its coordinator that the CPAM of the
-- current seat (or a national admin) approves or refuses (docs/rules.md §33).
-- The request keeps the seat before and after; at most one pending request
-- per structure.
CREATE TABLE seat_change_requests (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    structure_id     bigint NOT NULL REFERENCES organisations (id),
    state            text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'refused')),
    requested_by     bigint REFERENCES users (id) ON DELETE SET NULL,
    requested_name   text NOT NULL CHECK (length(requested_name) BETWEEN 1 AND 200),
    requested_at     timestamptz NOT NULL,
    reason           text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    from_departement text NOT NULL REFERENCES departements (code),
    from_commune     text,
    from_postal_code text NOT NULL DEFAULT '',
    from_address1    text NOT NULL DEFAULT '',
    to_departement   text NOT NULL REFERENCES departements (code),
    to_commune       text REFERENCES communes (code),
    to_postal_code   text NOT NULL DEFAULT '',
    to_address1      text NOT NULL DEFAULT '' CHECK (length(to_address1) <= 200),
    decided_by       bigint REFERENCES users (id) ON DELETE SET NULL,
    decided_name     text NOT NULL DEFAULT '' CHECK (length(decided_name) <= 200),
    decided_org      bigint REFERENCES organisations (id),
    decided_at       timestamptz,
    decision_reason  text NOT NULL DEFAULT '' CHECK (length(decision_reason) <= 2000),
    CHECK ((state = 'pending') = (decided_at IS NULL)),
    CHECK (state <> 'refused' OR length(decision_reason) > 0)
);
CREATE UNIQUE INDEX seat_change_one_pending ON seat_change_requests (structure_id) WHERE state = 'pending';
CREATE INDEX seat_change_pending_dep ON seat_change_requests (from_departement) WHERE state = 'pending';

ALTER TABLE structure_changes DROP CONSTRAINT structure_changes_action_check;
ALTER TABLE structure_changes ADD CONSTRAINT structure_changes_action_check
    CHECK (action IN ('create', 'update', 'archive', 'unarchive', 'member_add', 'member_update', 'member_remove', 'member_import',
                      'seat_request', 'seat_approve', 'seat_refuse'));

-- +goose Down
DELETE FROM structure_changes WHERE action IN ('seat_request', 'seat_approve', 'seat_refuse');
ALTER TABLE structure_changes DROP CONSTRAINT structure_changes_action_check;
ALTER TABLE structure_changes ADD CONSTRAINT structure_changes_action_check
    CHECK (action IN ('create', 'update', 'archive', 'unarchive', 'member_add', 'member_update', 'member_remove', 'member_import'));
DROP TABLE seat_change_requests;
