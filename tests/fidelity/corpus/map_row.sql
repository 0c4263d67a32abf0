-- Maps and rows
SELECT MAP(ARRAY['a', 'b'], ARRAY[1, 2]), MAP();
SELECT MAP(ARRAY['a'], ARRAY[1])['a'];
SELECT MAP(ARRAY['a'], ARRAY[1])['b'];
SELECT element_at(MAP(ARRAY['a'], ARRAY[1]), 'b');
SELECT cardinality(MAP(ARRAY['a', 'b'], ARRAY[1, 2]));
SELECT map_keys(MAP(ARRAY['a', 'b'], ARRAY[1, 2])), map_values(MAP(ARRAY['a', 'b'], ARRAY[1, 2]));
SELECT map_concat(MAP(ARRAY['a'], ARRAY[1]), MAP(ARRAY['a', 'b'], ARRAY[9, 2]));
SELECT map_filter(MAP(ARRAY['a', 'b'], ARRAY[1, 2]), (k, v) -> v > 1);
SELECT transform_values(MAP(ARRAY['a'], ARRAY[1]), (k, v) -> v * 10);
SELECT map_from_entries(ARRAY[ROW('a', 1), ROW('b', 2)]);
SELECT map_entries(MAP(ARRAY['a'], ARRAY[1]));
SELECT MAP(ARRAY['a', 'a'], ARRAY[1, 2]);
SELECT map_agg(k, v) FROM (VALUES ('a', 1), ('b', 2)) AS t(k, v);
SELECT ROW(1, 'x'), ROW(1, 'x').field0;
SELECT CAST(ROW(1, 'x') AS ROW(n integer, s varchar)).s;
SELECT r.n FROM (SELECT CAST(ROW(5, 'y') AS ROW(n integer, s varchar)) AS r);
SELECT ROW(1, 2) = ROW(1, 2);
SELECT MAP(ARRAY[1], ARRAY[NULL]);
SELECT multimap_agg(k, v) FROM (VALUES ('a', 1), ('a', 2)) AS t(k, v);
SELECT histogram(x) FROM (VALUES 'a', 'b', 'a') AS t(x);
-- map_entries with a NULL value
SELECT map_entries(MAP(ARRAY['a', 'b'], ARRAY[1, NULL]));
