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
CREATE TABLE deadlines (
    case_id    TEXT NOT NULL,
    unit       TEXT NOT NULL,
    milestone  TEXT NOT NULL,
    round      INTEGER NOT NULL,
    start_at   TIMESTAMPTZ NOT NULL,
    due_at     TIMESTAMPTZ NOT NULL,
    actual_at  TIMESTAMPTZ,
    stopped_at TIMESTAMPTZ,
    excused    BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (case_id, unit, milestone, round)
);
--bun:split
CREATE INDEX deadlines_unit_idx ON deadlines (unit);
