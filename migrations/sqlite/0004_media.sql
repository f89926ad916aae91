-- The media library: uploaded images (re-encoded by the server) and
-- attachments (kept byte for byte), stored under generated names in the data
-- directory. The uploader is a user id without a foreign key, because users
-- come from another migration and a deleted user must not delete files.

CREATE TABLE media (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('image', 'attachment')),
    stored_path   TEXT NOT NULL UNIQUE,
    thumb_path    TEXT UNIQUE,
    original_name TEXT NOT NULL,
    mime          TEXT NOT NULL,
    bytes         INTEGER NOT NULL,
    width         INTEGER,
    height        INTEGER,
    uploader_id   INTEGER,
    created_at    INTEGER NOT NULL
);
CREATE INDEX media_list ON media (kind, created_at DESC, id DESC);

-- Which articles link to which media, refreshed on every save of an article.
CREATE TABLE media_uses (
    media_id   INTEGER NOT NULL REFERENCES media(id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    PRIMARY KEY (media_id, article_id)
);
CREATE INDEX media_uses_article ON media_uses (article_id);
