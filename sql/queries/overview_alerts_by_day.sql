-- Alerts per event-time day and kind over the overview range.
SELECT toString(toDate(event_time)) AS day, kind, count() AS alerts
FROM alerts FINAL
WHERE toDate(event_time) BETWEEN {from:Date} AND {to:Date}
GROUP BY day, kind
ORDER BY day, kind;
