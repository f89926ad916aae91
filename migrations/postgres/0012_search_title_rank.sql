-- The title tier of every word in rank order. A one-word search is best
-- answered by the documents holding the word in their title: `ts_rank`
-- ranks any title match (weight A) above any match in the body alone
-- (weight D). Migration 0010 found them through a GIN index of the title
-- terms, but then had to rank them all, and when the last result needed
-- tied on rank with the last candidate (common for common words: most
-- titles hold the word once) it had to rank every match of the word.
--
-- Here each (title term, document) is one row carrying the rank the full
-- query would give the document for that word alone (`ts_rank(head,
-- 'term')`, computed by the indexer with the same function), the time
-- results are ordered by (articles: published; pages: changed) and the
-- article's channel. The btree lists a word's title tier in exactly the
-- full query's order (rank, then newest, then key), so the first rows are
-- the first results, ties included; channel and date filters are read
-- along the same range.
--
-- 0010's `title_terms` is no longer read but is still written: an instance
-- of the previous release reads it during a rolling upgrade (see "Upgrades"
-- in docs/deploy.md). A later release drops it.

CREATE TABLE search_title_rank (
    term       TEXT NOT NULL,
    doc_key    BIGINT NOT NULL,
    channel_id BIGINT,
    at         BIGINT NOT NULL,
    rank       REAL NOT NULL
);
CREATE INDEX search_title_rank_order ON search_title_rank (term, rank DESC, at DESC, doc_key DESC);
CREATE INDEX search_title_rank_doc ON search_title_rank (doc_key);

-- The order uses the publish time (pages: the time of change), so a change
-- of it queues the document again, as a change of text or channel does.
CREATE TRIGGER search_articles_time AFTER UPDATE ON articles
    FOR EACH ROW WHEN (OLD.published_at IS DISTINCT FROM NEW.published_at)
    EXECUTE FUNCTION search_enqueue();
CREATE TRIGGER search_pages_time AFTER UPDATE ON pages
    FOR EACH ROW WHEN (OLD.updated_at IS DISTINCT FROM NEW.updated_at)
    EXECUTE FUNCTION search_enqueue();

INSERT INTO search_queue (doc_key, queued_at) SELECT id, 0 FROM articles
    ON CONFLICT (doc_key) DO NOTHING;
INSERT INTO search_queue (doc_key, queued_at) SELECT -id, 0 FROM pages
    ON CONFLICT (doc_key) DO NOTHING;
