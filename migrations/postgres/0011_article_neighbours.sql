-- SQLite's migration 0011 puts the title into the channel's time index so
-- the article page reads its neighbours from the index alone. PostgreSQL
-- keeps the index as it is: an included title would make one long imported
-- title (past the 2.7 KB an index entry may hold) fail the migration or a
-- later import, and updates of the hit counts keep the visibility map from
-- letting an index-only scan skip the table anyway. Both backends carry
-- the same migration numbers.
SELECT 1;
