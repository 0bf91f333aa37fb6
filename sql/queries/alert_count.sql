-- How many alerts match the filters of `alert_list.sql` (the same WHERE; keep the two in step).
-- Distinct alert ids without FINAL: no row is materialised, and redeliveries not yet merged are
-- not counted twice (`uniq` is exact up to 65,536 and within about 1 % beyond).
SELECT uniq(alert_id) AS total
FROM alerts
WHERE ({phase:String} = '' OR phase = {phase:String})
  AND ({kind:String} = '' OR kind = {kind:String})
  AND ({severity:String} = '' OR severity = {severity:String})
  AND ({admdvs:String} = '' OR admdvs = {admdvs:String})
  AND ({fixmedins_code:String} = '' OR fixmedins_code = {fixmedins_code:String})
  AND ({psn_no:String} = '' OR psn_no = {psn_no:String})
  AND ({q:String} = '' OR setl_id = {q:String} OR psn_no = {q:String} OR fixmedins_code = {q:String})
  AND alert_id != {exclude:String}
  AND event_time >= fromUnixTimestamp64Milli({since_ms:Int64});
