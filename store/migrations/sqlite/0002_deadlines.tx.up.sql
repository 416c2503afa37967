CREATE TABLE policies (
    effective  TEXT PRIMARY KEY,
    source     TEXT NOT NULL,
    loaded_at  TIMESTAMP NOT NULL
);
--bun:split
CREATE TABLE policy_history (
    seq        INTEGER PRIMARY KEY,
    effective  TEXT NOT NULL,
    source     TEXT NOT NULL,
    loaded_at  TIMESTAMP NOT NULL
);
--bun:split
ALTER TABLE cases ADD COLUMN call_unit TEXT;
--bun:split
ALTER TABLE cases ADD COLUMN call_due TIMESTAMP;
--bun:split
ALTER TABLE cases ADD COLUMN call_done TIMESTAMP;
--bun:split
ALTER TABLE cases ADD COLUMN call_excused BOOLEAN NOT NULL DEFAULT FALSE;
--bun:split
ALTER TABLE assignments ADD COLUMN respond_due TIMESTAMP;
--bun:split
ALTER TABLE assignments ADD COLUMN respond_done TIMESTAMP;
--bun:split
ALTER TABLE assignments ADD COLUMN report_due TIMESTAMP;
--bun:split
ALTER TABLE assignments ADD COLUMN report_done TIMESTAMP;
--bun:split
ALTER TABLE assignments ADD COLUMN dispose_due TIMESTAMP;
--bun:split
ALTER TABLE assignments ADD COLUMN dispose_done TIMESTAMP;
--bun:split
ALTER TABLE assignments ADD COLUMN clock_stopped_at TIMESTAMP;
--bun:split
ALTER TABLE assignments ADD COLUMN excused TEXT;
--bun:split
ALTER TABLE assignments ADD COLUMN response_rater TEXT;
--bun:split
ALTER TABLE assignments ADD COLUMN call_evaluated_at TIMESTAMP;
--bun:split
ALTER TABLE assignments ADD COLUMN response_evaluated_at TIMESTAMP;
--bun:split
ALTER TABLE cases ADD COLUMN reopened_at TIMESTAMP;
--bun:split
CREATE TABLE redispose_deadlines (
    case_id    TEXT NOT NULL,
    unit       TEXT NOT NULL,
    round      INTEGER NOT NULL,
    start_at   TIMESTAMP NOT NULL,
    due_at     TIMESTAMP NOT NULL,
    actual_at  TIMESTAMP,
    stopped_at TIMESTAMP,
    excused    BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (case_id, unit, round)
) WITHOUT ROWID;
--bun:split
CREATE INDEX events_findings_idx ON events (case_id) WHERE type IN ('supervised', 'appealed', 'appeal_decided');
