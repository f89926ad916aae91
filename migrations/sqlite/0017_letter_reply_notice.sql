-- A writer may ask to be told by e-mail when their letter is answered
-- (notify_ok, 0/1, only with an address); writer_notified_at records that
-- the notice went out (Unix seconds), so it is sent once.
ALTER TABLE letters ADD COLUMN notify_ok INTEGER NOT NULL DEFAULT 0;
ALTER TABLE letters ADD COLUMN writer_notified_at INTEGER;
