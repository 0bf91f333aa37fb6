-- Alert and review totals over the overview range (event-time days).
SELECT
    count()                                   AS alerts,
    toFloat64(sum(amount_at_risk))            AS amount,
    (SELECT count() FROM v_alert_labels WHERE toDate(event_time) BETWEEN {from:Date} AND {to:Date})                               AS reviewed,
    (SELECT countIf(decision = 'confirmed') FROM v_alert_labels WHERE toDate(event_time) BETWEEN {from:Date} AND {to:Date})       AS confirmed
FROM alerts FINAL
WHERE toDate(event_time) BETWEEN {from:Date} AND {to:Date};
