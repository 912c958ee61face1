-- Consultations: sessions whose first customer message lies in the period, and whether a human agent
-- replied at or after that message (the reply rate counts human replies only, INT-042).
-- cached by the engine as the view `consultations`
WITH firsts AS (
    SELECT session, min(sent_us) AS first_us
    FROM messages
    WHERE sender = 'customer'
    GROUP BY session
),
consulted AS (
    SELECT session, first_us FROM firsts WHERE first_us >= :start_us AND first_us < :end_us
),
replied AS (
    SELECT DISTINCT c.session
    FROM consulted c JOIN messages m ON m.session = c.session AND m.sender = 'human' AND m.sent_us >= c.first_us
)
SELECT c.session, c.first_us, r.session IS NOT NULL AS replied
FROM consulted c LEFT JOIN replied r ON r.session = c.session
