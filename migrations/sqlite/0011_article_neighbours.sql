-- The article page reads the titles of its neighbours along the channel's
-- time index: with the title (and the status its condition names) in the
-- index, those twelve rows come from the index alone, without a lookup in
-- the table each.
DROP INDEX IF EXISTS articles_channel_time;
CREATE INDEX articles_channel_time ON articles (channel_id, published_at, id, title, status)
    WHERE status = 'published';
