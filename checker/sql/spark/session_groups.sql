-- Sessions grouped by their number of answered turns: (turns, Σ responses, sessions), so that the
-- mean of per-session means is computed exactly outside SQL.
SELECT n, sum(CAST(total_us AS DECIMAL(38, 0))) AS total_us, count(*) AS sessions
FROM (
    SELECT session, count(*) AS n, sum(CAST(counted_us AS DECIMAL(38, 0))) AS total_us
    FROM turns
    WHERE NOT in_window AND taken_us IS NOT NULL
    GROUP BY session
)
GROUP BY n
ORDER BY n
