-- Alerts matching the dashboard filters (empty parameter = no filter), newest event first.
-- `since_ms` (epoch ms, 0 = all history) keeps the unfiltered list to the newest partitions,
-- whatever the history holds. The number of matches is `alert_count.sql`, with the same filters.
SELECT
    alert_id, kind, phase, severity, score, setl_id, psn_no, fixmedins_code, admdvs,
    med_list_codg, bilg_dr_codg, toFloat64(amount_at_risk) AS amount_at_risk,
    event_time, detected_at, message
FROM alerts FINAL
WHERE ({phase:String} = '' OR phase = {phase:String})
  AND ({kind:String} = '' OR kind = {kind:String})
  AND ({severity:String} = '' OR severity = {severity:String})
  AND ({admdvs:String} = '' OR admdvs = {admdvs:String})
  AND ({fixmedins_code:String} = '' OR fixmedins_code = {fixmedins_code:String})
  AND ({psn_no:String} = '' OR psn_no = {psn_no:String})
  AND ({q:String} = '' OR setl_id = {q:String} OR psn_no = {q:String} OR fixmedins_code = {q:String})
  AND alert_id != {exclude:String}
  AND event_time >= fromUnixTimestamp64Milli({since_ms:Int64})
ORDER BY event_time DESC, alert_id
LIMIT {limit:UInt32};
