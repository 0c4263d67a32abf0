-- NULL semantics
SELECT NULL, NULL IS NULL, NULL = NULL, NULL <> 1;
SELECT coalesce(NULL, NULL, 3), coalesce(NULL, 'a'), nullif(1, 1), nullif(1, 2);
SELECT 1 + NULL, NULL * 0, 'a' || NULL, concat('a', NULL);
SELECT NULL AND false, NULL OR true, NULL AND true, NOT NULL;
SELECT 1 IN (1, NULL), 2 IN (1, NULL), 2 NOT IN (1, NULL);
SELECT NULL IS DISTINCT FROM NULL, 1 IS DISTINCT FROM NULL, 1 IS NOT DISTINCT FROM 1;
SELECT if(NULL, 'y', 'n'), CASE WHEN NULL THEN 1 ELSE 2 END, CASE NULL WHEN NULL THEN 1 ELSE 2 END;
SELECT count(*), count(x), sum(x), avg(x), max(x) FROM (VALUES 1, NULL, 3) AS t(x);
SELECT count(x), sum(x), max(x) FROM (VALUES CAST(NULL AS integer)) AS t(x);
SELECT count(DISTINCT x) FROM (VALUES 1, NULL, 1, 2) AS t(x);
SELECT x FROM (VALUES 1, NULL, 2) AS t(x) WHERE x <> 1;
SELECT ARRAY[1, NULL, 3], cardinality(ARRAY[NULL]), contains(ARRAY[1, NULL], 2);
SELECT contains(ARRAY[1, NULL], NULL);
SELECT greatest(1, NULL), least(NULL, 2);
SELECT NULL BETWEEN 1 AND 2, 1 BETWEEN NULL AND 2;
SELECT x, count(*) FROM (VALUES 'a', NULL, NULL) AS t(x) GROUP BY x ORDER BY x;
SELECT CAST(NULL AS varchar) LIKE '%', 'a' LIKE NULL;
SELECT array_join(ARRAY['a', NULL, 'b'], ','), array_join(ARRAY['a', NULL], ',', 'N');
