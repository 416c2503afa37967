-- The event chain (DESIGN.md §3, integrity of the log): each event's
-- SHA-256 of its sequence number, content hash and the previous event's
-- chain hash. Events stored before it are chained when the database is
-- next opened.
ALTER TABLE events ADD COLUMN chain BLOB;
