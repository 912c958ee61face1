SELECT count(*) FILTER (WHERE measured) AS measured,
       coalesce(sum(taken_us) FILTER (WHERE measured), 0) AS total_us,
       coalesce(max(taken_us) FILTER (WHERE measured), 0) AS longest_us,
       count(*) FILTER (WHERE measured AND late) AS late,
       count(*) FILTER (WHERE NOT measured OR late IS NULL) AS undecided
FROM refund_times;
