CREATE TABLE policies (
    effective  TEXT PRIMARY KEY,
    source     TEXT NOT NULL,
    loaded_at  TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE TABLE policy_history (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    effective  TEXT NOT NULL,
    source     TEXT NOT NULL,
    loaded_at  TIMESTAMPTZ NOT NULL
);
--bun:split
ALTER TABLE cases ADD COLUMN call_unit TEXT;
--bun:split
ALTER TABLE cases ADD COLUMN call_due TIMESTAMPTZ;
--bun:split
ALTER TABLE cases ADD COLUMN call_done TIMESTAMPTZ;
--bun:split
ALTER TABLE cases ADD COLUMN call_excused BOOLEAN NOT NULL DEFAULT FALSE;
--bun:split
ALTER TABLE assignments ADD COLUMN respond_due TIMESTAMPTZ;
--bun:split
ALTER TABLE assignments ADD COLUMN respond_done TIMESTAMPTZ;
--bun:split
ALTER TABLE assignments ADD COLUMN report_due TIMESTAMPTZ;
--bun:split
ALTER TABLE assignments ADD COLUMN report_done TIMESTAMPTZ;
--bun:split
ALTER TABLE assignments ADD COLUMN dispose_due TIMESTAMPTZ;
--bun:split
ALTER TABLE assignments ADD COLUMN dispose_done TIMESTAMPTZ;
--bun:split
ALTER TABLE assignments ADD COLUMN clock_stopped_at TIMESTAMPTZ;
--bun:split
ALTER TABLE assignments ADD COLUMN excused TEXT;
--bun:split
ALTER TABLE assignments ADD COLUMN response_rater TEXT;
--bun:split
ALTER TABLE assignments ADD COLUMN call_evaluated_at TIMESTAMPTZ;
--bun:split
ALTER TABLE assignments ADD COLUMN response_evaluated_at TIMESTAMPTZ;
--bun:split
ALTER TABLE cases ADD COLUMN reopened_at TIMESTAMPTZ;
--bun:split
CREATE TABLE redispose_deadlines (
    case_id    TEXT NOT NULL,
    unit       TEXT NOT NULL,
    round      INTEGER NOT NULL,
    start_at   TIMESTAMPTZ NOT NULL,
    due_at     TIMESTAMPTZ NOT NULL,
    actual_at  TIMESTAMPTZ,
    stopped_at TIMESTAMPTZ,
    excused    BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (case_id, unit, round)
);
--bun:split
CREATE INDEX events_findings_idx ON events (case_id) WHERE type IN ('supervised', 'appealed', 'appeal_decided');
