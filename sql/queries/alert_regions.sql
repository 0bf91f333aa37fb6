-- Regions seen in alerts (filter suggestions).
SELECT DISTINCT admdvs FROM alerts ORDER BY admdvs LIMIT 500;
