-- Appeals, decisions, findings and their withdrawals: the events the
-- appeal queue and the findings list read.
DROP INDEX events_findings_idx;
--bun:split
CREATE INDEX events_process_idx ON events (case_id) WHERE type IN ('supervised', 'appealed', 'appeal_decided', 'finding_withdrawn');
