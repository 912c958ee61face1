SELECT count(*) AS total, count_if(replied) AS replied
FROM consultations
