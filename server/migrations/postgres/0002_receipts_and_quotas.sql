-- Receipt times that never go backwards within a space, and the bytes a space stores (for its quota).
-- Mirrors ../sqlite/0002_receipts_and_quotas.sql.

-- The latest received_at handed out for the space: a push's received_at is the larger of this and the server's
-- clock, assigned under the push's lock, so receipts are monotonic whichever instance (and clock) took the push.
ALTER TABLE spaces ADD COLUMN last_received_at BIGINT NOT NULL DEFAULT 0;
-- The sum of the space's stored ciphertext lengths, kept up to date by each push.
ALTER TABLE spaces ADD COLUMN bytes_used BIGINT NOT NULL DEFAULT 0;

UPDATE spaces SET
    last_received_at = COALESCE((SELECT MAX(received_at) FROM changes WHERE changes.space_id = spaces.space_id), 0),
    bytes_used = COALESCE((SELECT SUM(OCTET_LENGTH(ciphertext)) FROM changes WHERE changes.space_id = spaces.space_id), 0);
