-- Reviews (疑点复核): a reviewer's decision on an alert, append-only — a later review of the same
-- alert is a new row, never an update, so the history of who decided what and when is kept.
-- The alert's kind, facility, doctor and region are copied in, so confirmed findings (the labels a
-- supervised model learns from) are queryable without a join.
CREATE TABLE IF NOT EXISTS alert_reviews
(
    review_id        String,
    alert_id         String,
    decision         LowCardinality(String),
    note             String,
    reviewer         String,
    auth_user        String,
    reviewed_at      DateTime64(3, 'UTC'),
    kind             LowCardinality(String),
    severity         LowCardinality(String),
    setl_id          String,
    fixmedins_code   String,
    bilg_dr_codg     String,
    admdvs           LowCardinality(String),
    event_time       DateTime64(3, 'Asia/Shanghai'),
    amount_at_risk   Decimal(18, 2)
)
ENGINE = MergeTree
ORDER BY (kind, fixmedins_code, alert_id, reviewed_at);

-- The current label of every reviewed alert: its latest decision.
--   SELECT kind, fixmedins_code, count() FROM v_alert_labels WHERE decision = 'confirmed' GROUP BY ALL
CREATE VIEW IF NOT EXISTS v_alert_labels AS
SELECT
    alert_id,
    argMax(decision, (reviewed_at, review_id))       AS decision,
    argMax(note, (reviewed_at, review_id))           AS note,
    argMax(reviewer, (reviewed_at, review_id))       AS reviewer,
    max(reviewed_at)                                 AS last_reviewed_at,
    count()                                          AS reviews,
    any(kind)                                        AS kind,
    any(severity)                                    AS severity,
    any(setl_id)                                     AS setl_id,
    any(fixmedins_code)                              AS fixmedins_code,
    any(bilg_dr_codg)                                AS bilg_dr_codg,
    any(admdvs)                                      AS admdvs,
    any(event_time)                                  AS event_time,
    any(amount_at_risk)                              AS amount_at_risk
FROM alert_reviews
GROUP BY alert_id;
