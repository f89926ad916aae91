-- The footer's 流量统计 shows the site's visit totals: a flush of them is a
-- change every cached page must see (one row per flush: only the site row).
CREATE TRIGGER stats_site_log AFTER INSERT OR UPDATE ON stats_daily
    FOR EACH ROW WHEN (NEW.kind = 'site') EXECUTE FUNCTION fupin_log_change('visits', '');
