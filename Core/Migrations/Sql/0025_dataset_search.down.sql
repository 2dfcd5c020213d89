-- Owners and tags lived only on the datasets' rows (the specs keep their own copy).
DROP INDEX datasets_tags_idx;
DROP INDEX datasets_search_idx;
ALTER TABLE datasets DROP COLUMN search, DROP COLUMN tags, DROP COLUMN owner;
