-- Where Athena engine v3 documents behaviour of its own (see docs/fidelity.md)
SELECT current_user IS NOT NULL;
SELECT 1 AS "select";
SELECT "date" FROM (VALUES 1) AS t("date");
SELECT 1 AS date;
SELECT x FROM (VALUES 1) AS t(x) WHERE x IN (SELECT 1);
WITH a AS (SELECT 1 AS n UNION ALL SELECT 2) SELECT sum(n) FROM a;
SELECT 1 AS _col5, 2;
SELECT * FROM (SELECT 1, 2);
