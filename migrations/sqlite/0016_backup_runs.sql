-- The log of backups taken by the server (scheduled or from the back
-- office): when, which file, how large, and whether it worked. Not part of
-- a backup itself.

CREATE TABLE backup_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    file_name   TEXT NOT NULL,
    origin      TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    bytes       INTEGER,
    ok          INTEGER,
    error       TEXT
);
CREATE INDEX backup_runs_started ON backup_runs (started_at);
