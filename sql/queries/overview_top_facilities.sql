-- Facilities with the most amount at risk on one event day.
SELECT fixmedins_code, toFloat64(sum(amount_at_risk)) AS amount, count() AS alerts
FROM alerts FINAL
WHERE toDate(event_time) = {day:Date}
GROUP BY fixmedins_code
ORDER BY amount DESC, fixmedins_code
LIMIT {limit:UInt32};
