-- Alert and review totals.
SELECT
    (SELECT count() FROM alerts FINAL)                                  AS alerts,
    (SELECT toFloat64(sum(amount_at_risk)) FROM alerts FINAL)           AS amount,
    (SELECT count() FROM v_alert_labels)                                AS reviewed,
    (SELECT countIf(decision = 'confirmed') FROM v_alert_labels)        AS confirmed;
