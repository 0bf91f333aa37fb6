-- One alert with its evidence.
SELECT
    alert_id, kind, phase, severity, score, setl_id, psn_no, fixmedins_code, admdvs,
    med_list_codg, feedetl_sn, bilg_dr_codg, toFloat64(amount_at_risk) AS amount_at_risk,
    event_time, detected_at, detector, evidence, message
FROM alerts FINAL
WHERE alert_id = {alert_id:String}
LIMIT 1;
