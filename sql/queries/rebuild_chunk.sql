-- One chunk of a state rebuild: the settlements (one version each) since `since` whose stream
-- sequence lies in (after, upto], with their items, in stream order.
SELECT s.*, i.items
FROM (
    SELECT * FROM settlements FINAL
    WHERE setl_time >= {since:DateTime64(3, 'Asia/Shanghai')} AND stream_seq > {after:UInt64} AND stream_seq <= {upto:UInt64}
) AS s
LEFT JOIN (
    SELECT setl_id,
           groupArray(tuple(feedetl_sn, med_list_codg, list_type, cnt, pric, det_item_fee_sumamt, prd_days, bilg_dr_codg, drug_trac_codg)) AS items
    FROM settlement_items FINAL
    WHERE setl_time >= {since:DateTime64(3, 'Asia/Shanghai')}
      AND setl_id IN (
          SELECT setl_id FROM settlements
          WHERE setl_time >= {since:DateTime64(3, 'Asia/Shanghai')} AND stream_seq > {after:UInt64} AND stream_seq <= {upto:UInt64}
      )
    GROUP BY setl_id
) AS i ON s.setl_id = i.setl_id
ORDER BY s.stream_seq;
