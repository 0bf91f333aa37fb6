-- Person status: deaths notified by the civil registry (死亡信息共享), feeding rx.deceased.
CREATE TABLE IF NOT EXISTS person_status
(
    psn_no       String,
    death_date   Date32,
    received_at  DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(received_at)
ORDER BY psn_no;
