-- Bitwise functions
SELECT bitwise_and(12, 10), bitwise_or(12, 10), bitwise_xor(12, 10);
SELECT bitwise_not(0), bitwise_not(-1);
SELECT bit_count(7, 64), bit_count(-1, 8);
SELECT bitwise_left_shift(1, 4), bitwise_right_shift(256, 4), bitwise_right_shift_arithmetic(-16, 2);
SELECT bitwise_and(NULL, 1);
SELECT bitwise_and(CAST(12 AS bigint), 10);
SELECT bitwise_and_agg(x), bitwise_or_agg(x) FROM (VALUES 12, 10, 14) AS t(x);
SELECT bit_count(3, 1);
