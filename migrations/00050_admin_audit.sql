-- +goose Up
-- Accounts administration (docs/rules.md §12 "national admin:
-- users"): every change made by a national admin (or by `aci user` on the
-- command line, actor NULL) to accounts, memberships and organisations is
-- recorded here, in the transaction of the change.
CREATE TABLE admin_audit (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    actor_user_id  bigint REFERENCES users (id),
    actor_name     text NOT NULL CHECK (length(actor_name) BETWEEN 1 AND 200),
    action         text NOT NULL CHECK (action IN ('user_create', 'user_disable', 'user_enable',
                       'membership_add', 'membership_remove', 'org_create', 'password_change')),
    target_user_id bigint REFERENCES users (id),
    target_org_id  bigint REFERENCES organisations (id),
    detail         text NOT NULL DEFAULT '' CHECK (length(detail) <= 1000)
);
CREATE INDEX admin_audit_target_user_idx ON admin_audit (target_user_id, at);

-- +goose Down
DROP TABLE admin_audit;
