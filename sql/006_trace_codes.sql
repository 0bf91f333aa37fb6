-- Trace codes (药品追溯码) ever settled: the shared, durable store behind reflow.trace_code_reuse.
-- Sorted by code, so a lookup of a batch's codes reads a few granules whatever the table size.
-- A refund re-inserts the row with refunded_seq > 0, the row version: FINAL keeps the refunded one.
CREATE TABLE IF NOT EXISTS trace_codes
(
    code            String,
    setl_id         String,
    seq             UInt64,
    feedetl_sn      String,
    fixmedins_code  String,
    psn_no          String,
    admdvs          LowCardinality(String),
    setl_time       DateTime64(3, 'Asia/Shanghai'),
    refunded_seq    UInt64
)
ENGINE = ReplacingMergeTree(refunded_seq)
ORDER BY (code, setl_id);
