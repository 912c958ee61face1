-- Refunds requested in the period and not compensated first by the platform, measured from the return's
-- receipt (return required) or the refund agreement to the refund; limits compared exactly to 1e-9 h
-- (in whole units: 1e-9 h is 3.6 microseconds, so late when 10 x microseconds > 36 x nanohours).
-- cached by the engine as the view `refund_times`
WITH chosen AS (
    SELECT id, requested_us, refunded_us,
           CASE WHEN return_required THEN return_received_us ELSE refund_agreed_us END AS start_us,
           coalesce(agreed_hours, :default_hours) AS limit_hours
    FROM refunds
    WHERE NOT coalesce(compensated, false) AND requested_us >= :start_us AND requested_us < :end_us
)
SELECT id, requested_us, refunded_us - start_us AS taken_us,
       start_us IS NOT NULL AND refunded_us IS NOT NULL AS measured,
       CASE WHEN limit_hours IS NULL THEN NULL
            ELSE CAST(refunded_us - start_us AS DECIMAL(38, 0)) * 10
                 > CAST(CAST(limit_hours AS DECIMAL(38, 9)) * 1000000000 AS DECIMAL(38, 0)) * 36 END AS late
FROM chosen
