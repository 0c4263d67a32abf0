-- Bronze -> Silver for the ingest days between the two parameters (inclusive, YYYY-MM-DD).
-- One row per event id: the earliest ingested copy in the window wins, and ids already in Silver are
-- skipped (anti-join), so re-running any window inserts nothing new.
-- Columns in table order; the partition columns year, month (of ingest_dt) come last.
INSERT INTO github_events_silver
WITH window_events AS (
    SELECT
        trim(b.id) AS event_id,
        b.type,
        b.created_at,
        b.actor,
        b.repo,
        b.org,
        b.public,
        b.payload,
        b.ingest_dt,
        b.ingested_at,
        row_number() OVER (PARTITION BY trim(b.id) ORDER BY b.ingested_at, b.ingest_dt) AS copy_no
    FROM github_events_bronze AS b
    WHERE b.ingest_dt BETWEEN ? AND ?
      AND b.id IS NOT NULL
),
new_events AS (
    SELECT w.*
    FROM window_events AS w
    WHERE w.copy_no = 1
      AND NOT EXISTS (
          SELECT 1 FROM github_events_silver AS s WHERE s.event_id = w.event_id
      )
)
SELECT
    e.event_id,
    nullif(trim(e.type), '') AS event_type,
    CAST(from_iso8601_timestamp(e.created_at) AT TIME ZONE 'UTC' AS timestamp) AS created_at,
    e.actor.id AS actor_id,
    nullif(trim(e.actor.login), '') AS actor_login,
    e.repo.id AS repo_id,
    nullif(trim(e.repo.name), '') AS repo_name,
    e.org.id AS org_id,
    nullif(trim(e.org.login), '') AS org_login,
    e.public AS is_public,
    json_extract_scalar(e.payload, '$.action') AS payload_action,
    json_extract_scalar(e.payload, '$.ref') AS payload_ref,
    json_extract_scalar(e.payload, '$.ref_type') AS payload_ref_type,
    TRY_CAST(json_extract_scalar(e.payload, '$.size') AS integer) AS payload_size,
    e.ingest_dt,
    CAST(from_iso8601_timestamp(e.ingested_at) AT TIME ZONE 'UTC' AS timestamp) AS ingested_at,
    substr(e.ingest_dt, 1, 4) AS year,
    substr(e.ingest_dt, 6, 2) AS month
FROM new_events AS e
