-- Review dates (复核日期): an optional date by which a published article
-- is to be checked again, and per channel the interval (in days) that
-- gives new articles a review date when none is set (0: none).
ALTER TABLE articles ADD COLUMN review_at BIGINT;
ALTER TABLE channels ADD COLUMN review_days BIGINT NOT NULL DEFAULT 0;
CREATE INDEX articles_review ON articles (review_at) WHERE review_at IS NOT NULL;
