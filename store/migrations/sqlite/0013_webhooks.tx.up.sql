-- Webhooks (DESIGN.md §9): an admin's URL for a unit's warnings or all;
-- each hook delivers the warning events after its cursor, in order, so
-- that the log itself is the queue and survives a restart. The secret
-- that signs deliveries is kept sealed under the deployment's key.
CREATE TABLE webhooks (
    id            TEXT PRIMARY KEY,
    url           TEXT NOT NULL,
    unit          TEXT,
    secret        BLOB NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    created_by    TEXT NOT NULL,
    paused        BOOLEAN NOT NULL DEFAULT FALSE,
    paused_reason TEXT,
    cursor        BIGINT NOT NULL,
    failures      INTEGER NOT NULL DEFAULT 0,
    next_at       TIMESTAMP
);
-- Every delivery attempt, successful or not.
CREATE TABLE webhook_deliveries (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    hook_id     TEXT NOT NULL,
    event_seq   BIGINT NOT NULL,
    attempt     INTEGER NOT NULL,
    at          TIMESTAMP NOT NULL,
    status      INTEGER,
    error       TEXT,
    elapsed_ms  INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_hook_idx ON webhook_deliveries (hook_id, seq);
