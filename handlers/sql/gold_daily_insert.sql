-- Silver -> Gold for one ingest day; parameters: year, month, ingest_dt (the day, YYYY-MM-DD).
-- The handler first deletes the day's Gold objects and partition, so a re-run replaces the day.
-- year/month prune Silver's partitions; ingest_dt picks the day inside the month.
INSERT INTO github_events_gold_daily
SELECT
    s.event_type,
    s.repo_name,
    count(*) AS event_count,
    count(DISTINCT s.actor_id) AS distinct_actors,
    min(s.created_at) AS first_event_at,
    max(s.created_at) AS last_event_at,
    s.ingest_dt
FROM github_events_silver AS s
WHERE s.year = ?
  AND s.month = ?
  AND s.ingest_dt = ?
GROUP BY s.event_type, s.repo_name, s.ingest_dt
