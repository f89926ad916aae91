-- Channel-filtered searches: each article's channel is added to its `terms`
-- as a lexeme holding a space (`ch 12`), which no segmented word can be, so
-- the GIN index intersects the words with the channels instead of the query
-- checking every match of a common word against `articles`.
CREATE TRIGGER search_articles_channel AFTER UPDATE ON articles
    FOR EACH ROW WHEN (OLD.channel_id IS DISTINCT FROM NEW.channel_id)
    EXECUTE FUNCTION search_enqueue();

INSERT INTO search_queue (doc_key, queued_at) SELECT id, 0 FROM articles
    ON CONFLICT (doc_key) DO NOTHING;
