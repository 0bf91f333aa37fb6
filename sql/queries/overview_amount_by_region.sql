-- Amount at risk and alerts per region over the overview range.
SELECT admdvs, toFloat64(sum(amount_at_risk)) AS amount, count() AS alerts
FROM alerts FINAL
WHERE toDate(event_time) BETWEEN {from:Date} AND {to:Date}
GROUP BY admdvs
ORDER BY amount DESC
LIMIT 30;
