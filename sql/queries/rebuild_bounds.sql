-- What a state rebuild reads: the newest event time in history and the stream sequences of the
-- settlements within `lookback` seconds of it (read in chunks of sequence by rebuild_chunk.sql).
WITH (SELECT max(setl_time) FROM settlements) AS latest
SELECT
    toUnixTimestamp64Milli(latest)                             AS latest_ms,
    toString(latest - toIntervalSecond({lookback:UInt64}))     AS since,
    min(stream_seq)                                            AS min_seq,
    max(stream_seq)                                            AS max_seq,
    count()                                                    AS rows
FROM settlements
WHERE setl_time >= latest - toIntervalSecond({lookback:UInt64});
