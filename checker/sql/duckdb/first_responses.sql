-- First responses: one per consultation whose first customer message is outside the off-hours window.
SELECT count(taken_us) AS answered,
       count(*) - count(taken_us) AS unanswered,
       coalesce(sum(counted_us), 0) AS total_us
FROM turns
WHERE turn = 1 AND NOT in_window;
