-- Refunds whose timeliness cannot be decided (a time or the limit missing), earliest request first.
SELECT id FROM refund_times WHERE NOT measured OR late IS NULL ORDER BY requested_us, id LIMIT :limit
