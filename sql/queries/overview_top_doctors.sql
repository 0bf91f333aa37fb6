-- Doctors (billing doctor of the item concerned) with the most amount at risk on one event day.
SELECT bilg_dr_codg, any(fixmedins_code) AS fixmedins_code, toFloat64(sum(amount_at_risk)) AS amount, count() AS alerts
FROM alerts FINAL
WHERE toDate(event_time) = {day:Date} AND bilg_dr_codg != ''
GROUP BY bilg_dr_codg
ORDER BY amount DESC, bilg_dr_codg
LIMIT {limit:UInt32};
