-- The article page reads the titles of its neighbours along the channel's
-- time index: with the title included, an index-only scan serves them.
DROP INDEX articles_channel_time;
CREATE INDEX articles_channel_time ON articles (channel_id, published_at, id) INCLUDE (title)
    WHERE status = 'published';
