-- The live board says whether a unit was urged on an open case (督办,
-- DESIGN.md §9): urgings are few, and found by this index without reading
-- the open cases' trails.
CREATE INDEX events_urged_idx ON events (case_id) WHERE type = 'urged';
