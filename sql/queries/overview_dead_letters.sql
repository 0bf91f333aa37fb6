-- Dead letters by reason.
SELECT reason, count() AS count
FROM dead_letters FINAL
GROUP BY reason
ORDER BY count DESC;
