-- A case closed without resolution (cancelled, a duplicate) leaves
-- assessment: why, or NULL.
ALTER TABLE cases ADD COLUMN withdrawn TEXT;
