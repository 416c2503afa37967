-- Dashboard sessions: only the SHA-256 of the cookie's secret is kept.
CREATE TABLE sessions (
    hash       TEXT PRIMARY KEY,
    user_name  TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    seen_at    TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE INDEX sessions_user_idx ON sessions (user_name);
--bun:split
-- The latest event time when a month's scores were kept: kept as of a
-- later time, they stand for any later time until the month goes stale.
ALTER TABLE score_periods ADD COLUMN horizon TIMESTAMPTZ;
--bun:split
-- Counts rebuilds of every case's derived state, so that a cache of
-- case views learns of one made by another process.
ALTER TABLE count_state ADD COLUMN rebuilds INTEGER NOT NULL DEFAULT 0;
