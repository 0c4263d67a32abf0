-- UNNEST
SELECT x FROM UNNEST(ARRAY[3, 1, 2]) AS t(x) ORDER BY x;
SELECT k, v FROM (VALUES (1, ARRAY['a', 'b'])) AS t(k, arr) CROSS JOIN UNNEST(arr) AS u(v) ORDER BY v;
SELECT x, n FROM UNNEST(ARRAY['a', 'b']) WITH ORDINALITY AS t(x, n) ORDER BY n;
SELECT k, v FROM UNNEST(MAP(ARRAY['a', 'b'], ARRAY[1, 2])) AS t(k, v) ORDER BY k;
SELECT a, b FROM UNNEST(ARRAY[1, 2], ARRAY['x']) AS t(a, b) ORDER BY a;
SELECT count(*) FROM (VALUES (1, ARRAY[]), (2, ARRAY[1])) AS t(k, arr) CROSS JOIN UNNEST(arr) AS u(v);
SELECT k, v FROM (VALUES (1, ARRAY[CAST(NULL AS integer)])) AS t(k, arr) CROSS JOIN UNNEST(arr) AS u(v);
SELECT k, v FROM (VALUES (1, ARRAY[7]), (2, ARRAY[])) AS t(k, arr) LEFT JOIN UNNEST(arr) AS u(v) ON true ORDER BY k;
SELECT n, s FROM UNNEST(ARRAY[ROW(1, 'a'), ROW(2, 'b')]) AS t(n, s) ORDER BY n;
