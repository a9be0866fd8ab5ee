-- +goose Up
-- Second factor (docs/rules.md §34): one TOTP secret per account (RFC 6238,
-- 30 s steps), with the last time step accepted so that a code is never
-- accepted twice; ten single-use recovery codes per enrolment, kept as the
-- SHA-256 of the code (80 random bits each: the code itself is shown once).
CREATE TABLE user_mfa (
    user_id    bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret     text NOT NULL CHECK (length(secret) BETWEEN 16 AND 128),
    enabled_at timestamptz NOT NULL,
    last_step  bigint NOT NULL DEFAULT 0 CHECK (last_step >= 0)
);

CREATE TABLE user_mfa_recovery_codes (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id   bigint NOT NULL REFERENCES user_mfa (user_id) ON DELETE CASCADE,
    code_hash bytea NOT NULL CHECK (length(code_hash) = 32),
    used_at   timestamptz,
    UNIQUE (user_id, code_hash)
);

-- The MFA actions join the admin audit's list, whatever other actions
-- the list holds by now (it is extended, not rewritten).
-- +goose StatementBegin
DO $$
DECLARE def text;
BEGIN
    SELECT pg_get_constraintdef(oid) INTO def FROM pg_constraint
    WHERE conrelid = 'admin_audit'::regclass AND conname = 'admin_audit_action_check';
    EXECUTE 'ALTER TABLE admin_audit DROP CONSTRAINT admin_audit_action_check';
    EXECUTE 'ALTER TABLE admin_audit ADD CONSTRAINT admin_audit_action_check CHECK ((' ||
        substring(def FROM '^CHECK \((.*)\)$') ||
        ') OR action IN (''mfa_enable'', ''mfa_disable'', ''mfa_reset'', ''mfa_recovery_used'', ''mfa_recovery_renew''))';
END $$;
-- +goose StatementEnd

-- +goose Down
DELETE FROM admin_audit WHERE action IN ('mfa_enable', 'mfa_disable', 'mfa_reset', 'mfa_recovery_used', 'mfa_recovery_renew');
-- +goose StatementBegin
DO $$
DECLARE def text;
BEGIN
    SELECT pg_get_constraintdef(oid) INTO def FROM pg_constraint
    WHERE conrelid = 'admin_audit'::regclass AND conname = 'admin_audit_action_check';
    EXECUTE 'ALTER TABLE admin_audit DROP CONSTRAINT admin_audit_action_check';
    EXECUTE 'ALTER TABLE admin_audit ADD CONSTRAINT admin_audit_action_check ' ||
        regexp_replace(def, ' OR \(action = ANY \(ARRAY\[''mfa_enable''::text[^]]*\]\)\)', '');
END $$;
-- +goose StatementEnd
DROP TABLE user_mfa_recovery_codes;
DROP TABLE user_mfa;
