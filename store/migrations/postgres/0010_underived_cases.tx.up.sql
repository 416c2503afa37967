-- Cases an ingest run has stored events of and not yet derived: a run
-- derives a case once it has had no new event for a few batches, and at
-- its end. Left here by a run that stopped, they are derived when the
-- database is next opened for writing.
CREATE TABLE underived (
    case_id TEXT PRIMARY KEY
);
