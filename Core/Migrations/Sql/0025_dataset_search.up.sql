-- Owners, tags and search (issue 21). A dataset carries its pipeline spec's owner and tags next
-- to the description it already had, and a tsvector over everything a person searches by, kept
-- by PostgreSQL itself (a generated column), so no write path can forget to refresh it.
ALTER TABLE datasets ADD COLUMN owner text, ADD COLUMN tags jsonb NOT NULL DEFAULT '[]'::jsonb;

-- 'simple': no stemming and no stop words, because most of what is searched is identifiers
-- (dataset and column names, owners, tags) that an English dictionary would mangle; the query
-- side matches each word as a prefix instead (Core/Catalog/DatasetCatalog.cs). Weights rank a
-- name match above an owner or tag, those above descriptions and column names, and a column's
-- description last. tags is jsonb, not text[], because array_to_string is not immutable and a
-- generated column must be.
ALTER TABLE datasets ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, name), 'A') ||
    setweight(to_tsvector('simple'::regconfig, coalesce(owner, '')), 'B') ||
    setweight(to_tsvector('simple'::regconfig, tags), 'B') ||
    setweight(to_tsvector('simple'::regconfig, coalesce(description, '')), 'C') ||
    setweight(to_tsvector('simple'::regconfig, jsonb_path_query_array(columns, '$[*].name')), 'C') ||
    setweight(to_tsvector('simple'::regconfig, jsonb_path_query_array(columns, '$[*].description')), 'D')
) STORED;

CREATE INDEX datasets_search_idx ON datasets USING gin (search);
CREATE INDEX datasets_tags_idx ON datasets USING gin (tags);
