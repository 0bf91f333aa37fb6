-- The review history of one alert, newest first.
SELECT review_id, alert_id, decision, note, reviewer, reviewed_at
FROM alert_reviews
WHERE alert_id = {alert_id:String}
ORDER BY reviewed_at DESC, review_id DESC;
