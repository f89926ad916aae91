-- Work never lost in the editor. A save whose session had expired is held
-- for the browser that sent it (keyed by a digest of that browser's hold
-- cookie) and offered back after the login; a recovery copy of what is
-- being typed is kept per user and form (one row, replaced every 30 s
-- while typing, not a revision); who has an article open, since when.
CREATE TABLE held_saves (
    browser    TEXT NOT NULL,
    path       TEXT NOT NULL,
    form       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (browser, path)
);
CREATE TABLE recovery_copies (
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    path       TEXT NOT NULL,
    form       TEXT NOT NULL,
    base       BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, path)
);
CREATE TABLE article_editing (
    article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    user_name  TEXT NOT NULL DEFAULT '',
    since      BIGINT NOT NULL,
    seen_at    BIGINT NOT NULL,
    PRIMARY KEY (article_id, user_id)
);
