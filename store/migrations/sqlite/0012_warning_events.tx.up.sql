-- The live board's announcements (DESIGN.md §9). warning_lights holds the
-- light last announced for each open deadline that has turned amber or
-- red; warning_events every announcement in order: the id a stream client
-- resumes from (Last-Event-ID), never reused.
CREATE TABLE warning_lights (
    deadline   TEXT PRIMARY KEY,
    case_id    TEXT NOT NULL,
    street     TEXT,
    due        TIMESTAMP NOT NULL,
    light      TEXT NOT NULL
);
CREATE INDEX warning_lights_case_idx ON warning_lights (case_id);
CREATE TABLE warning_events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    deadline   TEXT NOT NULL,
    case_id    TEXT NOT NULL,
    unit       TEXT NOT NULL,
    street     TEXT,
    milestone  TEXT NOT NULL,
    round      INTEGER NOT NULL,
    state      TEXT NOT NULL,
    at         TIMESTAMP NOT NULL,
    due        TIMESTAMP NOT NULL,
    noticed_at TIMESTAMP NOT NULL
);
