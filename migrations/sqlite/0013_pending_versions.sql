-- Staged edits of published articles: the pending version waits here
-- (the editable fields as JSON, read with defaults like a revision) while
-- the public site, the export and the search keep the live row. At most
-- one per article; it goes with its article.
CREATE TABLE article_pending (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    fields     TEXT NOT NULL,
    user_id    INTEGER,
    user_name  TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    submitted  INTEGER NOT NULL DEFAULT 0,
    go_live_at INTEGER
);
CREATE INDEX article_pending_due ON article_pending (go_live_at) WHERE go_live_at IS NOT NULL;
