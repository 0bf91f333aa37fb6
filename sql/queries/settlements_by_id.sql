-- Settlements by id (the alert's own, and those its evidence names).
SELECT
    setl_id, setl_type, orig_setl_id, mdtrt_id, psn_no, gend, toString(brdy) AS brdy, admdvs,
    fixmedins_code, fixmedins_type, med_type, setl_time, begntime, endtime, diag_codes,
    toFloat64(medfee_sumamt) AS medfee_sumamt, toFloat64(fund_pay_sumamt) AS fund_pay_sumamt, item_count
FROM settlements FINAL
WHERE setl_id IN {setl_ids:Array(String)}
ORDER BY setl_time;
