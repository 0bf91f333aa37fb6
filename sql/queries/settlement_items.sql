-- The items of one settlement, in line order.
SELECT
    feedetl_sn, med_list_codg, list_type, cnt, toFloat64(pric) AS pric,
    toFloat64(det_item_fee_sumamt) AS det_item_fee_sumamt, prd_days, bilg_dr_codg, drug_trac_codg
FROM settlement_items FINAL
WHERE setl_id = {setl_id:String}
ORDER BY feedetl_sn;
