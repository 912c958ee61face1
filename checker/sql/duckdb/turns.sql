-- Every consumer turn of the consultations in the period (INT-090).
-- Counted messages: the customer's, human agents', and bots' unless $bots_excluded.
-- Conversation order: time, then the customer's message before a reply sent at the same instant, then id.
-- A turn opens with a customer message whose previous counted message is not the customer's;
-- its response is the first counted reply after it (NULL: never answered).
-- A consultation is a session whose first customer message lies in [$start_us, $end_us).
CREATE OR REPLACE TEMP TABLE turns AS
WITH counted AS (
    SELECT session, id, sent_us, sender, sender <> 'customer' AS agent
    FROM messages
    WHERE sender IN ('customer', 'human') OR (sender = 'bot' AND NOT $bots_excluded::BOOLEAN)
),
marked AS (
    SELECT session, id, sent_us, sender,
           lag(sender) OVER (PARTITION BY session ORDER BY sent_us, agent, id) AS previous,
           min(CASE WHEN agent THEN sent_us END) OVER (
               PARTITION BY session ORDER BY sent_us, agent, id
               ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS reply_us
    FROM counted
),
opened AS (
    SELECT session, id, sent_us, reply_us,
           row_number() OVER (PARTITION BY session ORDER BY sent_us, id) AS turn
    FROM marked
    WHERE sender = 'customer' AND (previous IS NULL OR previous <> 'customer')
),
consulted AS (
    SELECT session FROM opened WHERE turn = 1 AND sent_us >= $start_us AND sent_us < $end_us
),
placed AS (
    SELECT o.session, o.id, o.turn, o.sent_us, o.reply_us - o.sent_us AS taken_us,
           hour(timezone($zone, make_timestamp(o.sent_us)::TIMESTAMPTZ)) * 60
             + minute(timezone($zone, make_timestamp(o.sent_us)::TIMESTAMPTZ)) AS local_minute
    FROM opened o JOIN consulted c ON o.session = c.session
)
SELECT session, id, turn, sent_us, taken_us,
       CASE WHEN taken_us IS NULL OR $cap_us::BIGINT IS NULL THEN taken_us ELSE least(taken_us, $cap_us::BIGINT) END AS counted_us,
       CASE WHEN $lo::INTEGER IS NULL THEN false
            WHEN $lo::INTEGER < $hi::INTEGER THEN local_minute >= $lo::INTEGER AND local_minute < $hi::INTEGER
            ELSE local_minute >= $lo::INTEGER OR local_minute < $hi::INTEGER END AS in_window
FROM placed;
