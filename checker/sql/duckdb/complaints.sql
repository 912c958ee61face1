-- Complaints received in the period.
SELECT count(*) AS complaints FROM complaints WHERE received_us >= $start_us AND received_us < $end_us;
