-- Athena table over the per-window manifests written by the tokenrelay audit pull
-- (README: "S3 layout"): one row per window pulled, empty windows included.
--
-- Replace BUCKET with the stack output AuditBucketName and PREFIX with AuditPrefix
-- (default avepoint/audit/, ending in /) in LOCATION and storage.location.template.
--
-- Layout: s3://BUCKET/PREFIX_manifests/year=YYYY/month=MM/day=DD/{start}_{end}.json, one JSON
-- object per file (on one line). Partition projection over year/month/day, as for the
-- records table (scripts/athena/audit_table.sql).

CREATE EXTERNAL TABLE IF NOT EXISTS avepoint_audit_manifests (
  `window_start`     string,
  `window_end`       string,
  `query`            struct<startTime:string, endTime:string, productTypes:array<string>, geoLocations:array<string>>,
  `pages`            int,
  `records`          int,
  `duplicates`       int,
  `raw_id_records`   int,
  `quarantined`      int,
  `object`           struct<key:string, size:bigint, sha256:string, version_id:string>,
  `quarantine`       struct<key:string, size:bigint, sha256:string, version_id:string>,
  `previous_records` int,
  `records_delta`    int,
  `request_id`       string,
  `pulled_at`        string
)
PARTITIONED BY (
  `year`  string,
  `month` string,
  `day`   string
)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES (
  'case.insensitive'      = 'true',
  'ignore.malformed.json' = 'false'
)
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://BUCKET/PREFIX_manifests/'
TBLPROPERTIES (
  'projection.enabled'        = 'true',
  'projection.year.type'      = 'integer',
  'projection.year.range'     = '2020,2099',
  'projection.year.digits'    = '4',
  'projection.month.type'     = 'integer',
  'projection.month.range'    = '1,12',
  'projection.month.digits'   = '2',
  'projection.day.type'       = 'integer',
  'projection.day.range'      = '1,31',
  'projection.day.digits'     = '2',
  'storage.location.template' = 's3://BUCKET/PREFIX_manifests/year=${year}/month=${month}/day=${day}/',
  'classification'            = 'json'
);

-- Example queries ---------------------------------------------------------------
--
-- 1. Windows of a month that gained or lost records when pulled again (late records):
--
-- SELECT window_start, previous_records, records, records_delta, pulled_at
-- FROM avepoint_audit_manifests
-- WHERE year = '2026' AND month = '11' AND records_delta <> 0
-- ORDER BY window_start;
--
-- 2. Windows holding poison records (stored with "_id_basis": "raw", or quarantined):
--
-- SELECT window_start, raw_id_records, quarantined, quarantine.key
-- FROM avepoint_audit_manifests
-- WHERE year = '2026' AND (raw_id_records > 0 OR quarantined > 0);
--
-- 3. Records and bytes per day, and the empty windows:
--
-- SELECT day, sum(records) AS records, sum(object.size) AS bytes,
--        count_if(object.key = '') AS empty_windows, count(*) AS windows
-- FROM avepoint_audit_manifests
-- WHERE year = '2026' AND month = '11'
-- GROUP BY day ORDER BY day;
