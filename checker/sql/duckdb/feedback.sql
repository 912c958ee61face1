-- Feedback received in the period, and how much of it was fed back.
SELECT count(*) AS total, count(fed_back_us) AS handled
FROM feedback
WHERE received_us >= $start_us AND received_us < $end_us;
