-- The footer's 流量统计 shows the site's visit totals: a flush of them is a
-- change every cached page must see (one row per flush: only the site row).
CREATE TRIGGER stats_site_log_insert AFTER INSERT ON stats_daily WHEN NEW.kind = 'site' BEGIN
    INSERT INTO site_changes (entity, entity_id, at) VALUES ('visits', NULL, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER stats_site_log_update AFTER UPDATE ON stats_daily WHEN NEW.kind = 'site' BEGIN
    INSERT INTO site_changes (entity, entity_id, at) VALUES ('visits', NULL, CAST(strftime('%s', 'now') AS INTEGER));
END;
