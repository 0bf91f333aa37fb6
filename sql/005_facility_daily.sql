-- Per-facility per-day aggregates (local date of setl_time): settlements, spend, fund pay and
-- alerts by kind. Computed over the de-duplicated tables, so redeliveries never inflate them.
CREATE VIEW IF NOT EXISTS v_facility_daily AS
SELECT
    s.day                     AS day,
    s.admdvs                  AS admdvs,
    s.fixmedins_code          AS fixmedins_code,
    s.settlements             AS settlements,
    s.refunds                 AS refunds,
    s.medfee_sumamt           AS medfee_sumamt,
    s.fund_pay_sumamt         AS fund_pay_sumamt,
    ifNull(a.alerts, 0)       AS alerts,
    ifNull(a.amount_at_risk, 0) AS amount_at_risk,
    a.alerts_by_kind          AS alerts_by_kind
FROM
(
    SELECT
        toDate(setl_time) AS day,
        admdvs,
        fixmedins_code,
        countIf(setl_type = 'sale')                                        AS settlements,
        countIf(setl_type = 'refund')                                      AS refunds,
        sumIf(medfee_sumamt, setl_type = 'sale') - sumIf(medfee_sumamt, setl_type = 'refund')     AS medfee_sumamt,
        sumIf(fund_pay_sumamt, setl_type = 'sale') - sumIf(fund_pay_sumamt, setl_type = 'refund') AS fund_pay_sumamt
    FROM settlements FINAL
    GROUP BY day, admdvs, fixmedins_code
) AS s
LEFT JOIN
(
    SELECT
        toDate(event_time) AS day,
        fixmedins_code,
        count()                         AS alerts,
        sum(amount_at_risk)             AS amount_at_risk,
        CAST(sumMap(map(toString(kind), toUInt64(1))), 'Map(String, UInt64)') AS alerts_by_kind
    FROM alerts FINAL
    WHERE phase = 'in'
    GROUP BY day, fixmedins_code
) AS a
ON s.day = a.day AND s.fixmedins_code = a.fixmedins_code;
