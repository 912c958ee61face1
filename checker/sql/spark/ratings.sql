-- Ratings of the consultations' sessions: rated, and very satisfied or satisfied.
SELECT count(s.rating) AS rated,
       count_if(s.rating IN ('very_satisfied', 'satisfied')) AS satisfied
FROM sessions s JOIN consultations c ON s.id = c.session
