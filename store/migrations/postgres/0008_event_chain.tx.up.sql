-- The event chain (DESIGN.md §3, integrity of the log): each event's
-- SHA-256 of its sequence number, content hash and the previous event's
-- chain hash. Events stored before it are chained when the database is
-- next opened. Sequence numbers are given by the ingest, under its lock,
-- one after another: an identity would leave gaps where a transaction
-- rolled back.
ALTER TABLE events ADD COLUMN chain BYTEA;
--bun:split
ALTER TABLE events ALTER COLUMN seq DROP IDENTITY;
