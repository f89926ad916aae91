-- Channel-filtered searches: each article's channel is indexed as a term
-- (`§` and the channel id, which no segmented word can be) in a third
-- column, `tags`, weighing nothing in ranking, so FTS5 intersects the words
-- with the channels instead of the query checking every match of a common
-- word against `articles`.
--
-- An FTS5 table cannot gain a column: it is rebuilt, and every document is
-- queued so the running indexers fill it again.
DROP TABLE search_fts;
CREATE VIRTUAL TABLE search_fts USING fts5(
    title, body, tags,
    tokenize = 'ascii',
    content = '',
    contentless_delete = 1
);

-- Moving an article to another channel changes its tag.
CREATE TRIGGER search_articles_channel AFTER UPDATE OF channel_id ON articles BEGIN
    INSERT INTO search_queue (doc_key, queued_at) VALUES (NEW.id, CAST(strftime('%s', 'now') AS INTEGER))
        ON CONFLICT (doc_key) DO UPDATE SET queued_at = excluded.queued_at;
END;

INSERT INTO search_queue (doc_key, queued_at) SELECT id, 0 FROM articles WHERE true
    ON CONFLICT (doc_key) DO NOTHING;
INSERT INTO search_queue (doc_key, queued_at) SELECT -id, 0 FROM pages WHERE true
    ON CONFLICT (doc_key) DO NOTHING;
