-- PostgreSQL's migration 0012 lists each word's title matches in rank
-- order; FTS5 ranks with bm25 over its own lists and needs nothing. Both
-- backends carry the same migration numbers.
SELECT 1;
