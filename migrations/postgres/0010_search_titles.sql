-- Title terms of each document under their own GIN index. A one-word
-- search on a common word ranks only the documents with the word in their
-- title when there are enough of them: `ts_rank` gives any title match
-- (weight A) a higher rank than any match in the body alone (weight D), so
-- the best of those are the best of all, without ranking every match.
ALTER TABLE search_index ADD COLUMN title_terms TSVECTOR NOT NULL DEFAULT '';
CREATE INDEX search_index_title_terms ON search_index USING GIN (title_terms);

INSERT INTO search_queue (doc_key, queued_at) SELECT id, 0 FROM articles
    ON CONFLICT (doc_key) DO NOTHING;
INSERT INTO search_queue (doc_key, queued_at) SELECT -id, 0 FROM pages
    ON CONFLICT (doc_key) DO NOTHING;
