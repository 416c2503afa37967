CREATE TABLE score_periods (
    period           TEXT PRIMARY KEY,
    version          INTEGER NOT NULL DEFAULT 0,
    computed_version INTEGER NOT NULL DEFAULT -1,
    asof             TIMESTAMPTZ,
    computed_at      TIMESTAMPTZ,
    policy           TEXT
);
--bun:split
CREATE TABLE scores (
    period TEXT NOT NULL,
    unit   TEXT NOT NULL,
    body   TEXT NOT NULL,
    PRIMARY KEY (period, unit)
);
