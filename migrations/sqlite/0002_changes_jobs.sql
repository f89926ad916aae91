-- A log of content changes, written by triggers whoever writes (any
-- instance, the CLI), so every instance can tell within a poll interval
-- that what it shows or caches is out of date. And the claims of periodic
-- jobs: one row per job and time slot, so a job runs once per slot however
-- many instances run.

CREATE TABLE site_changes (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    entity    TEXT NOT NULL,
    entity_id INTEGER,
    at        INTEGER NOT NULL
);

CREATE TABLE job_runs (
    job        TEXT NOT NULL,
    slot       INTEGER NOT NULL,
    instance   TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    PRIMARY KEY (job, slot)
);

CREATE TRIGGER articles_log_insert AFTER INSERT ON articles BEGIN
    INSERT INTO site_changes (entity, entity_id, at) VALUES ('article', NEW.id, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER articles_log_update AFTER UPDATE ON articles BEGIN
    INSERT INTO site_changes (entity, entity_id, at) VALUES ('article', NEW.id, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER articles_log_delete AFTER DELETE ON articles BEGIN
    INSERT INTO site_changes (entity, entity_id, at) VALUES ('article', OLD.id, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER channels_log_insert AFTER INSERT ON channels BEGIN
    INSERT INTO site_changes (entity, entity_id, at) VALUES ('channel', NEW.id, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER channels_log_update AFTER UPDATE ON channels BEGIN
    INSERT INTO site_changes (entity, entity_id, at) VALUES ('channel', NEW.id, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER channels_log_delete AFTER DELETE ON channels BEGIN
    INSERT INTO site_changes (entity, entity_id, at) VALUES ('channel', OLD.id, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER pages_log_insert AFTER INSERT ON pages BEGIN
    INSERT INTO site_changes (entity, entity_id, at) VALUES ('page', NEW.id, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER pages_log_update AFTER UPDATE ON pages BEGIN
    INSERT INTO site_changes (entity, entity_id, at) VALUES ('page', NEW.id, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER pages_log_delete AFTER DELETE ON pages BEGIN
    INSERT INTO site_changes (entity, entity_id, at) VALUES ('page', OLD.id, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER announcements_log_insert AFTER INSERT ON announcements BEGIN
    INSERT INTO site_changes (entity, entity_id, at) VALUES ('announcement', NEW.id, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER announcements_log_update AFTER UPDATE ON announcements BEGIN
    INSERT INTO site_changes (entity, entity_id, at) VALUES ('announcement', NEW.id, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER announcements_log_delete AFTER DELETE ON announcements BEGIN
    INSERT INTO site_changes (entity, entity_id, at) VALUES ('announcement', OLD.id, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER settings_log_insert AFTER INSERT ON settings BEGIN
    INSERT INTO site_changes (entity, entity_id, at) VALUES ('settings', NULL, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER settings_log_update AFTER UPDATE ON settings BEGIN
    INSERT INTO site_changes (entity, entity_id, at) VALUES ('settings', NULL, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER settings_log_delete AFTER DELETE ON settings BEGIN
    INSERT INTO site_changes (entity, entity_id, at) VALUES ('settings', NULL, CAST(strftime('%s', 'now') AS INTEGER));
END;
