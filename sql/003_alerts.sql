-- Alerts: the same record as the live feed (`../shared/contracts/alerts.md`).
-- Idempotent on alert_id: redeliveries collapse under FINAL and in v_alerts.
CREATE TABLE IF NOT EXISTS alerts
(
    alert_id         String,
    kind             LowCardinality(String),
    phase            LowCardinality(String),
    severity         LowCardinality(String),
    score            Float64,
    setl_id          String,
    psn_no           String,
    fixmedins_code   String,
    admdvs           LowCardinality(String),
    med_list_codg    String,
    feedetl_sn       String,
    bilg_dr_codg     String,
    amount_at_risk   Decimal(18, 2),
    event_time       DateTime64(3, 'Asia/Shanghai'),
    detected_at      DateTime64(3, 'UTC'),
    detector         LowCardinality(String),
    evidence         String,
    message          String
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (kind, toDate(event_time), alert_id);

-- What ops query: one row per alert, whatever the redeliveries.
CREATE VIEW IF NOT EXISTS v_alerts AS
SELECT * FROM alerts FINAL;
