CREATE TABLE users (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL,
    unit          TEXT,
    password_hash TEXT,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
--bun:split
-- API tokens: only the SHA-256 of the secret is kept.
CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY,
    user_name  TEXT NOT NULL,
    hash       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
--bun:split
CREATE INDEX api_tokens_user_idx ON api_tokens (user_name);
--bun:split
-- The append-only, hash-chained audit log (see audit/).
CREATE TABLE audit_log (
    seq     INTEGER PRIMARY KEY,
    at      TIMESTAMP NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    object  TEXT NOT NULL,
    details TEXT NOT NULL,
    prev    TEXT NOT NULL,
    hash    TEXT NOT NULL
);
