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
CREATE TABLE deadlines (
    case_id    TEXT NOT NULL,
    unit       TEXT NOT NULL,
    milestone  TEXT NOT NULL,
    round      INTEGER NOT NULL,
    start_at   TIMESTAMP NOT NULL,
    due_at     TIMESTAMP NOT NULL,
    actual_at  TIMESTAMP,
    stopped_at TIMESTAMP,
    excused    BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (case_id, unit, milestone, round)
) WITHOUT ROWID;
--bun:split
CREATE INDEX deadlines_unit_idx ON deadlines (unit);
