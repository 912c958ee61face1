-- The slowest responses to a consumer turn (uncapped), by the id of the message opening the turn.
SELECT id, taken_us
FROM turns
WHERE NOT in_window AND taken_us IS NOT NULL
ORDER BY taken_us DESC, id
LIMIT :limit
