SELECT count_if(measured) AS measured,
       coalesce(sum(CASE WHEN measured THEN CAST(taken_us AS DECIMAL(38, 0)) END), 0) AS total_us,
       coalesce(max(CASE WHEN measured THEN taken_us END), 0) AS longest_us,
       count_if(measured AND late) AS late,
       count_if(NOT measured OR late IS NULL) AS undecided
FROM refund_times
