-- The slowest first responses (uncapped), slowest first, then by session id.
SELECT session, taken_us
FROM turns
WHERE turn = 1 AND NOT in_window AND taken_us IS NOT NULL
ORDER BY taken_us DESC, session
LIMIT $limit;
