-- Decimal semantics (Trino's decimal precision and scale rules)
SELECT 0.33, 1.50, DECIMAL '0.00000000001', DECIMAL '1.50';
SELECT CAST(10 AS decimal(5,2)) / 3;
SELECT CAST(1 AS decimal(10,2)) / CAST(3 AS decimal(10,4));
SELECT CAST(2 AS decimal(5,2)) / CAST(3 AS decimal(5,2));
SELECT CAST(-10 AS decimal(5,2)) / 3, CAST(10 AS decimal(5,2)) / -6;
SELECT CAST(5 AS decimal(3,1)) / 0;
SELECT CAST(1.5 AS decimal(5,2)) * CAST(2.25 AS decimal(5,3));
SELECT CAST(1.5 AS decimal(5,2)) + 1, CAST(1.5 AS decimal(5,2)) - CAST(0.25 AS decimal(3,2));
SELECT CAST(1.55 AS decimal(5,2)) % 1;
SELECT avg(x) FROM (VALUES CAST(1.67 AS decimal(10,2)), CAST(1.68 AS decimal(10,2))) AS t(x);
SELECT avg(x), sum(x), min(x), max(x) FROM (VALUES CAST(1.005 AS decimal(10,3)), CAST(2 AS decimal(10,3)), NULL) AS t(x);
SELECT avg(x) FROM (SELECT CAST(NULL AS decimal(10,2)) AS x);
SELECT sum(x) FROM (VALUES CAST(99999999.99 AS decimal(10,2)), CAST(99999999.99 AS decimal(10,2))) AS t(x);
SELECT CAST(1.005 AS decimal(5,2)), CAST(-1.005 AS decimal(5,2)), CAST(1.004 AS decimal(5,2));
SELECT CAST('1.239' AS decimal(4,2)), CAST(1.5e0 AS decimal(3,1));
SELECT CAST(12345.6 AS decimal(4,1));
SELECT CAST(CAST(2.5 AS decimal(2,1)) AS integer), CAST(CAST(-2.5 AS decimal(2,1)) AS bigint);
SELECT CAST(CAST(1.25 AS decimal(3,2)) AS double), CAST(CAST(1.25 AS decimal(3,2)) AS varchar);
SELECT CAST(0.1 AS decimal(38,37)) * 10;
SELECT round(CAST(1.255 AS decimal(4,3)), 2), truncate(CAST(1.259 AS decimal(4,3)), 2);
SELECT CAST(1 AS decimal(5,2)) = 1.00, CAST(1 AS decimal(5,2)) < 1.5e0;
SELECT x FROM (VALUES 0.33, 1.5) AS t(x) ORDER BY x;
SELECT avg(x) OVER (ORDER BY x) FROM (VALUES CAST(1.67 AS decimal(10,2)), CAST(1.68 AS decimal(10,2))) AS t(x) ORDER BY 1;
SELECT CAST(123.456 AS decimal(38,3)) / CAST(7 AS decimal(38,0));
-- Decimal modulus
SELECT mod(-7.5, 2), CAST(1.55 AS decimal(5,2)) % 0.4, 5 % 2.5, mod(12345678901234567890.5, 3);
SELECT mod(CAST(7 AS decimal(3,0)), 0);
