-- Full-text search: the index, the queue that keeps it up to date, and the
-- words the association adds to the segmenter's dictionary.
--
-- Text is segmented in Rust (jieba) and stored here as space-separated terms,
-- so FTS5's plain ASCII tokenizer only splits on the spaces. The table is
-- contentless: the articles table holds the text; the index holds terms.
-- Rowids are article ids, and minus the id for single pages.
CREATE VIRTUAL TABLE search_fts USING fts5(
    title, body,
    tokenize = 'ascii',
    content = '',
    contentless_delete = 1
);

-- What a search checks of each match (visibility, channel, date), in an
-- index, so SQLite never reads the article rows themselves: their bodies
-- sit in overflow pages before `status` in the record.
CREATE INDEX articles_search_filter ON articles (id, status, published_at, unpublish_at, channel_id);

-- Documents whose terms must be (re)computed. Triggers fill it on every
-- change of indexed text, whoever writes it; indexers drain it.
CREATE TABLE search_queue (
    doc_key   INTEGER PRIMARY KEY,
    queued_at INTEGER NOT NULL
);

CREATE TABLE search_words (
    id         INTEGER PRIMARY KEY,
    word       TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TRIGGER search_articles_insert AFTER INSERT ON articles BEGIN
    INSERT INTO search_queue (doc_key, queued_at) VALUES (NEW.id, CAST(strftime('%s', 'now') AS INTEGER))
        ON CONFLICT (doc_key) DO UPDATE SET queued_at = excluded.queued_at;
END;
CREATE TRIGGER search_articles_update AFTER UPDATE OF title, subtitle, source, author, summary, body_html ON articles BEGIN
    INSERT INTO search_queue (doc_key, queued_at) VALUES (NEW.id, CAST(strftime('%s', 'now') AS INTEGER))
        ON CONFLICT (doc_key) DO UPDATE SET queued_at = excluded.queued_at;
END;
CREATE TRIGGER search_articles_delete AFTER DELETE ON articles BEGIN
    INSERT INTO search_queue (doc_key, queued_at) VALUES (OLD.id, CAST(strftime('%s', 'now') AS INTEGER))
        ON CONFLICT (doc_key) DO UPDATE SET queued_at = excluded.queued_at;
END;
CREATE TRIGGER search_pages_insert AFTER INSERT ON pages BEGIN
    INSERT INTO search_queue (doc_key, queued_at) VALUES (-NEW.id, CAST(strftime('%s', 'now') AS INTEGER))
        ON CONFLICT (doc_key) DO UPDATE SET queued_at = excluded.queued_at;
END;
CREATE TRIGGER search_pages_update AFTER UPDATE OF title, body_html ON pages BEGIN
    INSERT INTO search_queue (doc_key, queued_at) VALUES (-NEW.id, CAST(strftime('%s', 'now') AS INTEGER))
        ON CONFLICT (doc_key) DO UPDATE SET queued_at = excluded.queued_at;
END;
CREATE TRIGGER search_pages_delete AFTER DELETE ON pages BEGIN
    INSERT INTO search_queue (doc_key, queued_at) VALUES (-OLD.id, CAST(strftime('%s', 'now') AS INTEGER))
        ON CONFLICT (doc_key) DO UPDATE SET queued_at = excluded.queued_at;
END;

-- What exists already gets indexed by the first indexer that runs.
INSERT INTO search_queue (doc_key, queued_at) SELECT id, 0 FROM articles;
INSERT INTO search_queue (doc_key, queued_at) SELECT -id, 0 FROM pages;
