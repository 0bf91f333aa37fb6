-- Dead letters: every rejected message with its reasons. Idempotent on dl_id (stream:sequence).
CREATE TABLE IF NOT EXISTS dead_letters
(
    dl_id           String,
    reason          LowCardinality(String),
    reason_zh       String,
    reasons         Array(LowCardinality(String)),
    details         Array(String),
    setl_id         String,
    subject         String,
    stream_seq      UInt64,
    delivery_count  UInt32,
    received_at     DateTime64(3, 'UTC'),
    payload         String
)
ENGINE = ReplacingMergeTree
ORDER BY dl_id;

CREATE VIEW IF NOT EXISTS v_dead_letters AS
SELECT * FROM dead_letters FINAL;
