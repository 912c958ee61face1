SELECT count(*) AS total, count(*) FILTER (WHERE replied) AS replied
FROM consultations;
