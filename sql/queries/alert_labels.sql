-- The current review decision of the given alerts.
SELECT alert_id, decision
FROM v_alert_labels
WHERE alert_id IN {alert_ids:Array(String)};
