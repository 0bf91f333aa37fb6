-- Fee details (费用明细) of every settlement, one row per line. Idempotent on (setl_id, feedetl_sn).
CREATE TABLE IF NOT EXISTS settlement_items
(
    setl_id              String,
    feedetl_sn           String,
    setl_type            LowCardinality(String),
    psn_no               String,
    admdvs               LowCardinality(String),
    fixmedins_code       String,
    med_type             LowCardinality(String),
    setl_time            DateTime64(3, 'Asia/Shanghai'),
    med_list_codg        String,
    list_type            LowCardinality(String),
    cnt                  Float64,
    pric                 Decimal(18, 4),
    det_item_fee_sumamt  Decimal(18, 2),
    prd_days             Nullable(UInt16),
    bilg_dr_codg         String,
    drug_trac_codg       Array(String)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(setl_time)
ORDER BY (med_list_codg, admdvs, toDate(setl_time), setl_id, feedetl_sn);
