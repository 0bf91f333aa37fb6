-- The newest event time of an alert (epoch ms; 0 when there is none), ignoring alerts dated more
-- than a day ahead of the wall clock, so that one bad setl_time cannot become the dashboard's
-- "now". It ends the alert list's recent window and makes the overview's "today": event time, so a
-- replay of history reads the same.
SELECT toUnixTimestamp64Milli(max(event_time)) AS ms
FROM alerts
WHERE event_time <= now64(3) + INTERVAL 1 DAY;
