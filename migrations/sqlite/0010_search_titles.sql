-- PostgreSQL's migration 0010 gives title terms an index of their own for
-- ranking common words; FTS5 ranks with bm25 and needs nothing. Both
-- backends carry the same migration numbers.
SELECT 1;
