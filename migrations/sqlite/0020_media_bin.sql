-- The media library's recycle bin: a file still used by a published
-- article is moved here instead of being deleted (NULL: in the library).
ALTER TABLE media ADD COLUMN trashed_at BIGINT;
