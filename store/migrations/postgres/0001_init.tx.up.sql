CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
--bun:split
CREATE TABLE units (
    code       TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    parent     TEXT,
    name_zh    TEXT NOT NULL,
    name_en    TEXT NOT NULL DEFAULT '',
    origin     TEXT NOT NULL DEFAULT 'registry',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE TABLE categories (
    code       TEXT PRIMARY KEY,
    sla_class  TEXT NOT NULL,
    urgency    TEXT NOT NULL DEFAULT 'normal',
    name_zh    TEXT NOT NULL,
    name_en    TEXT NOT NULL DEFAULT '',
    origin     TEXT NOT NULL DEFAULT 'registry',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE TABLE cadres (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    position   TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE TABLE tenures (
    cadre_id   TEXT NOT NULL,
    unit       TEXT NOT NULL,
    role       TEXT NOT NULL,
    from_date  TEXT NOT NULL,
    to_date    TEXT,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (cadre_id, unit, from_date)
);
--bun:split
CREATE TABLE registry_changes (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    changed_at TIMESTAMPTZ NOT NULL,
    entity     TEXT NOT NULL,
    key        TEXT NOT NULL,
    old_value  TEXT,
    new_value  TEXT NOT NULL
);
--bun:split
CREATE TABLE events (
    seq     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id      TEXT NOT NULL UNIQUE,
    case_id TEXT NOT NULL,
    type    TEXT NOT NULL,
    at      TIMESTAMPTZ NOT NULL,
    unit    TEXT,
    hash    BYTEA NOT NULL,
    body    TEXT NOT NULL
);
--bun:split
CREATE INDEX events_case_idx ON events (case_id);
--bun:split
CREATE TABLE quarantine (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL,
    type        TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    hash        BYTEA NOT NULL,
    body        TEXT NOT NULL,
    missing     TEXT NOT NULL,
    line        INTEGER NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE TABLE cases (
    id               TEXT PRIMARY KEY,
    opened_at        TIMESTAMPTZ,
    category         TEXT,
    street           TEXT,
    community        TEXT,
    source           TEXT,
    urgency          TEXT,
    access_code_hash TEXT,
    closed           BOOLEAN NOT NULL DEFAULT FALSE,
    closed_at        TIMESTAMPTZ,
    reopenings       INTEGER NOT NULL DEFAULT 0,
    satisfaction     TEXT,
    solved           BOOLEAN,
    rated_at         TIMESTAMPTZ,
    revisits         INTEGER NOT NULL DEFAULT 0,
    in_place         BOOLEAN,
    revisited_at     TIMESTAMPTZ,
    events           INTEGER NOT NULL,
    last_event_at    TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE INDEX cases_opened_idx ON cases (opened_at);
--bun:split
CREATE TABLE assignments (
    case_id         TEXT NOT NULL,
    unit            TEXT NOT NULL,
    role            TEXT NOT NULL,
    by_unit         TEXT,
    dispatched_at   TIMESTAMPTZ,
    responded_at    TIMESTAMPTZ,
    reported_at     TIMESTAMPTZ,
    resolved_at     TIMESTAMPTZ,
    resolutions     INTEGER NOT NULL DEFAULT 0,
    returned_at     TIMESTAMPTZ,
    return_reason   TEXT,
    return_upheld   BOOLEAN,
    return_ruled_by TEXT,
    call_accurate   BOOLEAN,
    call_score      INTEGER,
    response_score  INTEGER,
    PRIMARY KEY (case_id, unit)
);
--bun:split
CREATE INDEX assignments_unit_idx ON assignments (unit);
