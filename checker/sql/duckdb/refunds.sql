-- Refunds requested in the period and not compensated first by the platform, measured from the return's
-- receipt (return required) or the refund agreement to the refund; limits compared exactly to 1e-9 h.
CREATE OR REPLACE TEMP TABLE refund_times AS
WITH chosen AS (
    SELECT id, requested_us, refunded_us,
           CASE WHEN return_required THEN return_received_us ELSE refund_agreed_us END AS start_us,
           coalesce(agreed_hours, $default_hours::DOUBLE) AS limit_hours
    FROM refunds
    WHERE NOT coalesce(compensated, false) AND requested_us >= $start_us AND requested_us < $end_us
)
SELECT id, requested_us, refunded_us - start_us AS taken_us,
       start_us IS NOT NULL AND refunded_us IS NOT NULL AS measured,
       CASE WHEN limit_hours IS NULL THEN NULL
            ELSE (refunded_us - start_us) > CAST(limit_hours AS DECIMAL(38, 9)) * 3600000000 END AS late
FROM chosen;
