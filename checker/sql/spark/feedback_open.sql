-- Feedback received in the period and not fed back, earliest first.
SELECT id FROM feedback
WHERE received_us >= :start_us AND received_us < :end_us AND fed_back_us IS NULL
ORDER BY received_us, id
LIMIT :limit
