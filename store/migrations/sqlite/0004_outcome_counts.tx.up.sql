-- Scoring's outcome counts per month of opening, kept up to date by every
-- ingest transaction (see store/counts.go).
CREATE TABLE outcome_counts (
    month   TEXT NOT NULL,
    unit    TEXT NOT NULL,
    outcome TEXT NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (month, unit, outcome)
) WITHOUT ROWID;
--bun:split
-- horizon: the latest event time stored; valid: the counts match the
-- derived rows (false when cases were stored before this table existed).
CREATE TABLE count_state (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    horizon TIMESTAMP,
    valid   BOOLEAN NOT NULL
);
--bun:split
INSERT INTO count_state (id, horizon, valid) VALUES (1, NULL, NOT EXISTS (SELECT 1 FROM cases));
--bun:split
-- The latest due time of a case's open deadlines (none met, stopped or
-- excused): until then, the case counts differently as of an earlier time.
ALTER TABLE cases ADD COLUMN open_until TIMESTAMP;
--bun:split
CREATE INDEX cases_open_idx ON cases (open_until) WHERE open_until IS NOT NULL;
