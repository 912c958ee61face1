-- Responses to every answered consumer turn outside the off-hours window.
SELECT count(*) AS turns, coalesce(sum(counted_us), 0) AS total_us
FROM turns
WHERE NOT in_window AND taken_us IS NOT NULL;
