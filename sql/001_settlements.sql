-- Settlements (结算): the history post-event screens and model training read.
-- Idempotent on setl_id: a redelivered settlement collapses into one row under FINAL.
CREATE TABLE IF NOT EXISTS settlements
(
    setl_id          String,
    setl_type        LowCardinality(String),
    orig_setl_id     String,
    mdtrt_id         String,
    psn_no           String,
    gend             LowCardinality(String),
    brdy             Date32,
    insutype         LowCardinality(String),
    admdvs           LowCardinality(String),
    fixmedins_code   String,
    fixmedins_type   LowCardinality(String),
    med_type         LowCardinality(String),
    setl_time        DateTime64(3, 'Asia/Shanghai'),
    begntime         Nullable(DateTime64(3, 'Asia/Shanghai')),
    endtime          Nullable(DateTime64(3, 'Asia/Shanghai')),
    diag_codes       Array(String),
    medfee_sumamt    Decimal(18, 2),
    fund_pay_sumamt  Decimal(18, 2),
    psn_cash_pay     Decimal(18, 2),
    item_count       UInt16,
    stream_seq       UInt64,
    ingested_at      DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(setl_time)
ORDER BY (fixmedins_code, toDate(setl_time), setl_id);
