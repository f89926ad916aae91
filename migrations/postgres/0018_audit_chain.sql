-- The 操作日志 becomes tamper-evident: each entry carries its place in the
-- chain, the previous entry's hash and its own (SHA-256 over its fields
-- and the previous hash, computed by the program). Entries written before
-- this version are sealed into the chain by the program at start.
ALTER TABLE audit_log ADD COLUMN chain_seq BIGINT;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX audit_log_chain ON audit_log (chain_seq) WHERE chain_seq IS NOT NULL;

-- Where the chain starts once old entries have been pruned: the place and
-- hash of the last entry removed by the retention rule.
CREATE TABLE audit_anchor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    chain_seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
