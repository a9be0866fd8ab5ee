-- +goose Up
-- A national admin may un-archive a structure; the act is in its history
-- (docs/rules.md §22).
ALTER TABLE structure_changes DROP CONSTRAINT structure_changes_action_check;
ALTER TABLE structure_changes ADD CONSTRAINT structure_changes_action_check
    CHECK (action IN ('create', 'update', 'archive', 'unarchive', 'member_add', 'member_update', 'member_remove', 'member_import'));

-- +goose Down
DELETE FROM structure_changes WHERE action = 'unarchive';
ALTER TABLE structure_changes DROP CONSTRAINT structure_changes_action_check;
ALTER TABLE structure_changes ADD CONSTRAINT structure_changes_action_check
    CHECK (action IN ('create', 'update', 'archive', 'member_add', 'member_update', 'member_remove', 'member_import'));
