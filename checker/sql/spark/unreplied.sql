-- Consultations no human agent replied to, earliest first.
SELECT session FROM consultations WHERE NOT replied ORDER BY first_us, session LIMIT :limit
