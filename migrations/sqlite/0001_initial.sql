-- Initial schema: channels, articles, single pages, announcements, settings,
-- and the map from the legacy site's addresses to imported articles.
-- Times are Unix seconds (UTC) so that the same queries run on every backend.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE channels (
    id          INTEGER PRIMARY KEY,
    parent_id   INTEGER REFERENCES channels(id) ON DELETE RESTRICT,
    name        TEXT NOT NULL,
    slug        TEXT NOT NULL UNIQUE,
    sort_order  INTEGER NOT NULL DEFAULT 0,
    in_nav      INTEGER NOT NULL DEFAULT 1,
    description TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX channels_parent_name ON channels (COALESCE(parent_id, 0), name);

CREATE TABLE articles (
    id             INTEGER PRIMARY KEY,
    channel_id     INTEGER NOT NULL REFERENCES channels(id) ON DELETE RESTRICT,
    title          TEXT NOT NULL,
    subtitle       TEXT NOT NULL DEFAULT '',
    source         TEXT NOT NULL DEFAULT '',
    author         TEXT NOT NULL DEFAULT '',
    editor         TEXT NOT NULL DEFAULT '',
    summary        TEXT NOT NULL DEFAULT '',
    body_html      TEXT NOT NULL,
    cover          TEXT NOT NULL DEFAULT '',
    is_pinned      INTEGER NOT NULL DEFAULT 0,
    is_recommended INTEGER NOT NULL DEFAULT 0,
    is_headline    INTEGER NOT NULL DEFAULT 0,
    hits           INTEGER NOT NULL DEFAULT 0,
    status         TEXT NOT NULL DEFAULT 'draft'
                   CHECK (status IN ('draft', 'pending', 'published', 'scheduled', 'trashed')),
    published_at   INTEGER NOT NULL,
    unpublish_at   INTEGER,
    original_url   TEXT,
    import_key     TEXT UNIQUE,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
-- Public lists read only published rows: partial indexes keep them small
-- and let a channel page walk its index in display order.
CREATE INDEX articles_channel_live ON articles (channel_id, is_pinned DESC, published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX articles_channel_time ON articles (channel_id, published_at, id) WHERE status = 'published';
CREATE INDEX articles_live ON articles (published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX articles_headline ON articles (published_at DESC, id DESC) WHERE status = 'published' AND is_headline = 1;
CREATE INDEX articles_recommended ON articles (published_at DESC, id DESC) WHERE status = 'published' AND is_recommended = 1;

CREATE TABLE pages (
    id         INTEGER PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    title      TEXT NOT NULL,
    body_html  TEXT NOT NULL,
    sort_order INTEGER NOT NULL DEFAULT 0,
    in_footer  INTEGER NOT NULL DEFAULT 1,
    updated_at INTEGER NOT NULL
);

CREATE TABLE announcements (
    id         INTEGER PRIMARY KEY,
    text       TEXT NOT NULL,
    url        TEXT,
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX announcements_window ON announcements (starts_at, ends_at);

CREATE TABLE legacy_urls (
    path       TEXT PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE
);
CREATE INDEX legacy_urls_article ON legacy_urls (article_id);
