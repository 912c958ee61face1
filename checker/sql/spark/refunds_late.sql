-- Late refunds, longest first.
SELECT id, taken_us FROM refund_times WHERE measured AND late ORDER BY taken_us DESC, id LIMIT :limit
