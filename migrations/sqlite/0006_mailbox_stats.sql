-- The secretary-general's mailbox (秘书长信箱) and the visit statistics.
--
-- Letters are plain text. The 查询码 is kept only as a salted SHA-256.
-- Captcha answers live server-side, single use, with an expiry. Attempts
-- (letters sent, wrong captchas, wrong 查询码) are rows keyed by a digest of
-- the client address so that a limit holds across instances.
--
-- Visit statistics are day rows (Asia/Shanghai day as yyyymmdd) per kind
-- (site, path, article, channel, referrer, search, device) and key, added to
-- by every instance's batched flush. Unique visitors are salted digests of
-- address and browser; the salt is per day and shared by all instances, and
-- old salts and digests are deleted, so no address can be recovered.
-- Times are Unix seconds (UTC); flags are 0/1.

CREATE TABLE letters (
    id          INTEGER PRIMARY KEY,
    number      TEXT NOT NULL UNIQUE,
    code_salt   TEXT NOT NULL,
    code_hash   TEXT NOT NULL,
    name        TEXT NOT NULL,
    phone       TEXT NOT NULL DEFAULT '',
    email       TEXT NOT NULL DEFAULT '',
    subject     TEXT NOT NULL,
    category    TEXT NOT NULL
                CHECK (category IN ('consult', 'suggest', 'complain', 'help', 'other')),
    body        TEXT NOT NULL,
    publish_ok  INTEGER NOT NULL DEFAULT 0,
    status      TEXT NOT NULL DEFAULT 'new'
                CHECK (status IN ('new', 'processing', 'replied', 'closed')),
    assignee_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    reply       TEXT NOT NULL DEFAULT '',
    replied_at  INTEGER,
    replied_by  TEXT NOT NULL DEFAULT '',
    published   INTEGER NOT NULL DEFAULT 0,
    published_at INTEGER,
    closed_at   INTEGER,
    due_at      INTEGER NOT NULL,
    notified_at INTEGER,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX letters_status ON letters (status, created_at);
CREATE INDEX letters_created ON letters (created_at);
CREATE INDEX letters_board ON letters (published, replied_at);

CREATE TABLE letter_notes (
    id          INTEGER PRIMARY KEY,
    letter_id   INTEGER NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
    author_id   INTEGER,
    author_name TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX letter_notes_letter ON letter_notes (letter_id, id);

CREATE TABLE captchas (
    id         TEXT PRIMARY KEY,
    answer     TEXT NOT NULL,
    form_token TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX captchas_expiry ON captchas (expires_at);

CREATE TABLE mailbox_attempts (
    client TEXT NOT NULL,
    kind   TEXT NOT NULL,
    at     INTEGER NOT NULL
);
CREATE INDEX mailbox_attempts_client ON mailbox_attempts (client, kind, at);
CREATE INDEX mailbox_attempts_at ON mailbox_attempts (at);

-- Where new letters are announced by e-mail.
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';

CREATE TABLE visit_salts (
    day  INTEGER PRIMARY KEY,
    salt TEXT NOT NULL
);

CREATE TABLE visit_uniques (
    day     INTEGER NOT NULL,
    kind    TEXT NOT NULL,
    key     TEXT NOT NULL,
    visitor TEXT NOT NULL,
    PRIMARY KEY (day, kind, key, visitor)
);

CREATE TABLE stats_daily (
    day      INTEGER NOT NULL,
    kind     TEXT NOT NULL,
    key      TEXT NOT NULL,
    views    INTEGER NOT NULL DEFAULT 0,
    visitors INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, kind, key)
);
CREATE INDEX stats_daily_kind_day ON stats_daily (kind, day);
