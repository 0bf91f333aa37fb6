-- Alerts matching the dashboard filters (empty parameter = no filter), newest event first, with
-- the number of matching alerts in `total`. `recent_days` > 0 keeps to the last N days of event
-- time before the newest alert, so the unfiltered feed reads the newest partitions only, whatever
-- the history held; searches for a settlement or a person pass 0 (all history).
SELECT
    alert_id, kind, phase, severity, score, setl_id, psn_no, fixmedins_code, admdvs,
    med_list_codg, bilg_dr_codg, toFloat64(amount_at_risk) AS amount_at_risk,
    event_time, detected_at, message,
    count() OVER () AS total
FROM alerts FINAL
WHERE ({phase:String} = '' OR phase = {phase:String})
  AND ({kind:String} = '' OR kind = {kind:String})
  AND ({severity:String} = '' OR severity = {severity:String})
  AND ({admdvs:String} = '' OR admdvs = {admdvs:String})
  AND ({fixmedins_code:String} = '' OR fixmedins_code = {fixmedins_code:String})
  AND ({psn_no:String} = '' OR psn_no = {psn_no:String})
  AND ({q:String} = '' OR setl_id = {q:String} OR psn_no = {q:String} OR fixmedins_code = {q:String})
  AND alert_id != {exclude:String}
  AND ({recent_days:UInt32} = 0 OR event_time >= (SELECT max(event_time) FROM alerts) - toIntervalDay({recent_days:UInt32}))
ORDER BY event_time DESC, alert_id
LIMIT {limit:UInt32};
