-- The title tier of every word in rank order. A one-word search is best
-- answered by the documents holding the word in their title: `ts_rank`
-- ranks any title match (weight A, at least about 0.6) above any match in
-- the body alone (weight D, below 0.1). Migration 0010 found them through a
-- GIN index of the title terms, but then had to rank them all, and when the
-- last result needed tied on rank with the last candidate (common for
-- common words: most titles hold the word once) it had to rank every match
-- of the word.
--
-- Here each (document, title term) is one row carrying the rank the full
-- query gives the document for that word alone (`ts_rank(head, 'term')`),
-- the time results are ordered by (articles: published; pages: changed)
-- and the article's channel. The btree lists a word's title tier in exactly
-- the full query's order (rank, then newest, then key), so the first rows
-- are the first results, ties included; channel and date filters are read
-- along the same range.
--
-- The rows are derived in the database, in the writing transaction: from
-- `search_index` (its `title_terms` and `head`) whenever a document's
-- terms are written or removed, whichever release's indexer writes them,
-- and from `articles`/`pages` whenever a publish time, time of change or
-- channel changes.
CREATE TABLE search_title_rank (
    doc_key    BIGINT NOT NULL,
    term       TEXT NOT NULL,
    channel_id BIGINT,
    at         BIGINT NOT NULL,
    rank       REAL NOT NULL,
    PRIMARY KEY (doc_key, term)
);
CREATE INDEX search_title_rank_order ON search_title_rank (term, rank DESC, at DESC, doc_key DESC);

-- The one-term tsquery of a lexeme, quoted as the search quotes query
-- terms (backslash and quote escaped; chr() keeps this independent of
-- standard_conforming_strings).
CREATE FUNCTION search_term_query(lexeme TEXT) RETURNS tsquery
    LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT (chr(39) || replace(replace(lexeme, chr(92), chr(92) || chr(92)), chr(39), chr(39) || chr(39))
        || chr(39))::tsquery
$$;

-- Replaces the rows of one document.
CREATE FUNCTION search_title_rows(p_key BIGINT, p_title TSVECTOR, p_head TSVECTOR) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM search_title_rank WHERE doc_key = p_key;
    IF p_key > 0 THEN
        INSERT INTO search_title_rank (doc_key, term, channel_id, at, rank)
        SELECT p_key, t.lexeme, a.channel_id, a.published_at, ts_rank(p_head, search_term_query(t.lexeme))
        FROM articles a CROSS JOIN unnest(p_title) t WHERE a.id = p_key;
    ELSE
        INSERT INTO search_title_rank (doc_key, term, channel_id, at, rank)
        SELECT p_key, t.lexeme, NULL, p.updated_at, ts_rank(p_head, search_term_query(t.lexeme))
        FROM pages p CROSS JOIN unnest(p_title) t WHERE p.id = -p_key;
    END IF;
END;
$$;

CREATE FUNCTION search_title_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM search_title_rank WHERE doc_key = OLD.doc_key;
    ELSE
        PERFORM search_title_rows(NEW.doc_key, NEW.title_terms, NEW.head);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER search_index_title_rank AFTER INSERT OR UPDATE OR DELETE ON search_index
    FOR EACH ROW EXECUTE FUNCTION search_title_sync();

CREATE FUNCTION search_title_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'pages' THEN
        UPDATE search_title_rank SET at = NEW.updated_at WHERE doc_key = -NEW.id;
    ELSE
        UPDATE search_title_rank SET at = NEW.published_at, channel_id = NEW.channel_id
            WHERE doc_key = NEW.id;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER search_articles_title_rank AFTER UPDATE ON articles
    FOR EACH ROW WHEN (OLD.published_at IS DISTINCT FROM NEW.published_at
        OR OLD.channel_id IS DISTINCT FROM NEW.channel_id)
    EXECUTE FUNCTION search_title_moved();
CREATE TRIGGER search_pages_title_rank AFTER UPDATE ON pages
    FOR EACH ROW WHEN (OLD.updated_at IS DISTINCT FROM NEW.updated_at)
    EXECUTE FUNCTION search_title_moved();

-- A change of time also queues the document again (as a change of text or
-- channel does): should an indexer rewrite the document's terms while the
-- change is being made, with the time it read before, the next drain puts
-- it right.
CREATE TRIGGER search_articles_time AFTER UPDATE ON articles
    FOR EACH ROW WHEN (OLD.published_at IS DISTINCT FROM NEW.published_at)
    EXECUTE FUNCTION search_enqueue();
CREATE TRIGGER search_pages_time AFTER UPDATE ON pages
    FOR EACH ROW WHEN (OLD.updated_at IS DISTINCT FROM NEW.updated_at)
    EXECUTE FUNCTION search_enqueue();

-- What is indexed already, without reindexing.
INSERT INTO search_title_rank (doc_key, term, channel_id, at, rank)
SELECT s.doc_key, t.lexeme, a.channel_id, a.published_at, ts_rank(s.head, search_term_query(t.lexeme))
FROM search_index s JOIN articles a ON a.id = s.doc_key CROSS JOIN unnest(s.title_terms) t;
INSERT INTO search_title_rank (doc_key, term, channel_id, at, rank)
SELECT s.doc_key, t.lexeme, NULL, p.updated_at, ts_rank(s.head, search_term_query(t.lexeme))
FROM search_index s JOIN pages p ON p.id = -s.doc_key CROSS JOIN unnest(s.title_terms) t;
