-- Time zones (Athena sessions are UTC)
SELECT TIMESTAMP '2024-03-01 10:00:00 UTC';
SELECT TIMESTAMP '2024-03-01 10:00:00' AT TIME ZONE 'America/New_York';
SELECT at_timezone(TIMESTAMP '2024-03-01 10:00:00 UTC', 'Europe/Berlin');
SELECT with_timezone(TIMESTAMP '2024-03-01 10:00:00', 'Asia/Tokyo');
SELECT current_timezone();
SELECT CAST(TIMESTAMP '2024-03-01 10:00:00 UTC' AS timestamp);
SELECT to_unixtime(TIMESTAMP '2024-03-01 10:00:00 UTC');
SELECT from_unixtime(0, 'America/Los_Angeles');
SELECT timezone_hour(TIMESTAMP '2024-03-01 10:00:00 +05:30');
SELECT TIMESTAMP '2024-03-01 10:00:00 UTC' = TIMESTAMP '2024-03-01 11:00:00 +01:00';
SELECT date_format(from_iso8601_timestamp('2024-03-01T10:00:00Z'), '%Y-%m-%d %H');
SELECT CAST(from_iso8601_timestamp('2024-03-01T10:00:00Z') AS date);
SELECT TIMESTAMP '2024-03-01 10:00:00' AT TIME ZONE 'Not/AZone';
-- Zoned values as result columns, zoned literals, offsets and zone names (sub-milliseconds, DST gaps)
SELECT TIMESTAMP '2024-03-01 10:00:00.123456' AT TIME ZONE 'America/New_York', TIMESTAMP '2024-03-01 10:00:00.5' AT TIME ZONE '+05:30';
SELECT with_timezone(TIMESTAMP '2024-03-10 02:30:00', 'America/New_York'), with_timezone(TIMESTAMP '2024-03-01 10:00:00.123', '+01:00');
SELECT from_unixtime(1.5, 'Asia/Tokyo'), from_unixtime(0, '+05:30'), from_unixtime(1.0005, 'UTC');
SELECT at_timezone(TIMESTAMP '2024-03-01 10:00:00', 'Asia/Tokyo'), at_timezone(TIMESTAMP '2024-03-01 10:00:00', '-08:00');
SELECT timezone_hour(TIMESTAMP '2024-03-01 10:00:00 -05:30'), timezone_minute(TIMESTAMP '2024-03-01 10:00:00 -05:30'), timezone_hour(TIMESTAMP '2024-03-01 10:00:00 America/New_York');
SELECT TIMESTAMP '2024-03-01 10:00:00 Europe/Berlin', TIMESTAMP '2024-03-01 10:00:00.12 +01:00';
SELECT TIMESTAMP '2024-03-01 10:00:00 +01:00' < TIMESTAMP '2024-03-01 09:30:00 UTC';
SELECT at_timezone(TIMESTAMP '2024-03-01 10:00:00', 'utc');
SELECT from_unixtime(0, 'Not/AZone');
