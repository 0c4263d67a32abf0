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
