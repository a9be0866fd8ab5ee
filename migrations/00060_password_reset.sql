-- +goose Up
-- An account created with an initial password (administration, `aci user
-- create`) must choose its own at first login.
ALTER TABLE users ADD COLUMN must_change_password boolean NOT NULL DEFAULT false;

-- « Mot de passe oublié » : every request is kept (rate limit per address
-- and per client, whether the address is an account or not); a request for
-- an active account carries the SHA-256 of a single-use token, valid 30
-- minutes. The token itself is only in the e-mail.
CREATE TABLE password_reset_requests (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email      text NOT NULL CHECK (length(email) <= 254),
    ip         text NOT NULL CHECK (length(ip) <= 100),
    at         timestamptz NOT NULL,
    user_id    bigint REFERENCES users (id),
    token_hash bytea UNIQUE,
    expires_at timestamptz,
    used_at    timestamptz,
    CHECK ((user_id IS NULL) = (token_hash IS NULL) AND (token_hash IS NULL) = (expires_at IS NULL))
);
CREATE INDEX password_reset_requests_email_idx ON password_reset_requests (email, at);
CREATE INDEX password_reset_requests_ip_idx ON password_reset_requests (ip, at);
CREATE INDEX password_reset_requests_user_idx ON password_reset_requests (user_id) WHERE used_at IS NULL;

ALTER TABLE admin_audit DROP CONSTRAINT admin_audit_action_check;
ALTER TABLE admin_audit ADD CONSTRAINT admin_audit_action_check CHECK (action IN ('user_create', 'user_disable',
    'user_enable', 'membership_add', 'membership_remove', 'org_create', 'password_change', 'password_reset'));

-- +goose Down
ALTER TABLE admin_audit DROP CONSTRAINT admin_audit_action_check;
ALTER TABLE admin_audit ADD CONSTRAINT admin_audit_action_check CHECK (action IN ('user_create', 'user_disable',
    'user_enable', 'membership_add', 'membership_remove', 'org_create', 'password_change'));
DROP TABLE password_reset_requests;
ALTER TABLE users DROP COLUMN must_change_password;
