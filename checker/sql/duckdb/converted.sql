-- Consultations named by an order placed in the period (INT-092).
SELECT count(*) AS converted
FROM consultations
WHERE session IN (SELECT session FROM orders WHERE session IS NOT NULL AND placed_us >= $start_us AND placed_us < $end_us);
