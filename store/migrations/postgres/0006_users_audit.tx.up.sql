CREATE TABLE users (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL,
    unit          TEXT,
    password_hash TEXT,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
--bun:split
-- API tokens: only the SHA-256 of the secret is kept.
CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY,
    user_name  TEXT NOT NULL,
    hash       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
--bun:split
CREATE INDEX api_tokens_user_idx ON api_tokens (user_name);
--bun:split
-- The append-only, hash-chained audit log (see audit/).
CREATE TABLE audit_log (
    seq     BIGINT PRIMARY KEY,
    at      TIMESTAMPTZ NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    object  TEXT NOT NULL,
    details TEXT NOT NULL,
    prev    TEXT NOT NULL,
    hash    TEXT NOT NULL
);
