-- Athena table over the AvePoint audit records landed by the tokenrelay audit pull.
--
-- Replace BUCKET with the stack output AuditBucketName and PREFIX with AuditPrefix
-- (default avepoint/audit/, ending in /) in LOCATION and storage.location.template.
--
-- Layout written by the audit pull (one gzip NDJSON object per window that has records):
--   s3://BUCKET/PREFIXyear=YYYY/month=MM/day=DD/{start}_{end}.jsonl.gz
-- Athena reads .gz text files transparently. The checkpoint (PREFIX_checkpoint.json)
-- sits above the year= folders, outside every projected partition, so it is never read.
--
-- Partition projection computes the partitions from the query's WHERE clause: no
-- MSCK REPAIR TABLE and no crawler. Always filter on year/month/day (strings,
-- zero-padded) to scan only the days you need.
--
-- Columns: every field of AvePoint's UserActivityAuditLogItemModel plus _id, the
-- hex SHA-256 fingerprint of the record's canonical JSON, and _id_basis, 'raw' on the rare
-- record whose canonical form could not be computed (its _id is then the SHA-256 of the
-- bytes the API returned; README: "S3 layout"), null otherwise. The manifests and the
-- quarantine (PREFIX_manifests/, PREFIX_quarantine/) sit outside the projected partitions. Fields whose value may be an
-- object or an array (actionParameters, previousValue, currentValue, additionalDetails)
-- are declared string: the OpenX SerDe returns their JSON text, to be read with
-- json_extract / json_extract_scalar. Hive column names are case-insensitive; the SerDe
-- lowercases the JSON keys to match (actionTime is read as actiontime).

CREATE EXTERNAL TABLE IF NOT EXISTS avepoint_audit (
  `_id`                string,
  `_id_basis`          string,
  `actionName`         string,
  `actionUser`         string,
  `actionParameters`   string,
  `actionTime`         string,
  `controllerName`     string,
  `product`            string,
  `geoLocation`        string,
  `previousValue`      string,
  `currentValue`       string,
  `partnerTenantOwner` string,
  `status`             string,
  `comment`            string,
  `objectType`         string,
  `operationType`      string,
  `module`             string,
  `functionality`      string,
  `objectName`         string,
  `action`             string,
  `clientIP`           string,
  `additionalDetails`  string
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
LOCATION 's3://BUCKET/PREFIX'
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
  'storage.location.template' = 's3://BUCKET/PREFIXyear=${year}/month=${month}/day=${day}/',
  'classification'            = 'json',
  'compressionType'           = 'gzip'
);

-- Example queries ---------------------------------------------------------------
--
-- Why dedupe: a record that two windows' queries both return (it sits on a boundary)
-- is stored in both windows' objects with the same _id, and RESCAN or a backfill writes
-- a window's object again under the same key (replacing it). Within one object a record
-- appears once. So count and report on DISTINCT _id.
--
-- 1. Records of one day, each once:
--
-- SELECT *
-- FROM (
--   SELECT t.*, row_number() OVER (PARTITION BY "_id" ORDER BY "$path") AS rn
--   FROM avepoint_audit t
--   WHERE year = '2026' AND month = '11' AND day = '21'
-- )
-- WHERE rn = 1
-- ORDER BY from_iso8601_timestamp(actiontime);
--
-- 2. Activity per user and action over a week (distinct records):
--
-- SELECT actionuser, actionname, count(DISTINCT "_id") AS records
-- FROM avepoint_audit
-- WHERE year = '2026' AND month = '11' AND day BETWEEN '15' AND '21'
-- GROUP BY actionuser, actionname
-- ORDER BY records DESC;
--
-- 3. Failed operations with a value from the JSON details (boundary records span two
--    days' partitions, so widen the day filter by one on each side when exactness at
--    the edges matters):
--
-- SELECT DISTINCT "_id", actiontime, actionuser, objectname, status,
--        json_extract_scalar(additionaldetails, '$.reason') AS reason
-- FROM avepoint_audit
-- WHERE year = '2026' AND month = '11' AND day = '21'
--   AND lower(status) <> 'success';
--
-- 4. Records stored more than once (expected: only records on a window boundary):
--
-- SELECT "_id", count(*) AS copies, array_agg("$path") AS objects
-- FROM avepoint_audit
-- WHERE year = '2026' AND month = '11'
-- GROUP BY "_id"
-- HAVING count(*) > 1;
