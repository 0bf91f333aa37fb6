-- Skip indexes for the lookups of the dashboard and of reviewers: a settlement by setl_id, a
-- person's or a facility's alerts. The sort keys serve the batch screens (by facility, by code,
-- by kind); these let point lookups skip granules instead of scanning whole partitions.
ALTER TABLE settlements ADD INDEX IF NOT EXISTS idx_setl_id setl_id TYPE bloom_filter(0.01) GRANULARITY 4;
ALTER TABLE settlement_items ADD INDEX IF NOT EXISTS idx_setl_id setl_id TYPE bloom_filter(0.01) GRANULARITY 4;
ALTER TABLE alerts ADD INDEX IF NOT EXISTS idx_setl_id setl_id TYPE bloom_filter(0.01) GRANULARITY 4;
ALTER TABLE alerts ADD INDEX IF NOT EXISTS idx_psn_no psn_no TYPE bloom_filter(0.01) GRANULARITY 4;
ALTER TABLE alerts ADD INDEX IF NOT EXISTS idx_fixmedins_code fixmedins_code TYPE bloom_filter(0.01) GRANULARITY 4;
ALTER TABLE alerts ADD INDEX IF NOT EXISTS idx_alert_id alert_id TYPE bloom_filter(0.01) GRANULARITY 4;
