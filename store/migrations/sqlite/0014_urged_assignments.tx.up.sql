-- When a unit was first urged on a case (督办): its record counts how many
-- urged assignments then met their deadlines. Cases already urged are
-- listed underived, so that the next opening for writing derives them
-- again with the column filled.
ALTER TABLE assignments ADD COLUMN urged_at TIMESTAMP;
INSERT OR IGNORE INTO underived (case_id) SELECT DISTINCT case_id FROM events WHERE type = 'urged';
