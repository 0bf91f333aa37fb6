-- The newest event date with alerts: the overview's "today", so a replay of history reads the same.
SELECT toString(toDate(max(event_time))) AS day, count() AS alerts
FROM alerts;
