-- Transactions: orders placed in the period, paid and not cancelled (INT-092).
SELECT count(*) AS transactions
FROM orders
WHERE placed_us >= :start_us AND placed_us < :end_us AND paid_us IS NOT NULL AND cancelled_us IS NULL
