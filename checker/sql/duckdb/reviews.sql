-- Reviews posted in the period, and the negative ones.
SELECT count(*) AS total, count(*) FILTER (WHERE grade = 'negative') AS negative
FROM reviews
WHERE posted_us >= $start_us AND posted_us < $end_us;
