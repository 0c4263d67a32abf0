locals {
  database       = "lakehouse_${replace(var.env, "-", "_")}"
  bronze_prefix  = "s3://${var.raw_bucket}/github/events/"
  parquet_input  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
  parquet_output = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
  parquet_serde  = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
}

# Tables are declared here, column by column: no crawlers decide the schema.
resource "aws_glue_catalog_database" "lakehouse" {
  name        = local.database
  description = "GitHub public events lakehouse (${var.env})"
}

resource "aws_glue_catalog_table" "bronze" {
  name          = "github_events_bronze"
  database_name = aws_glue_catalog_database.lakehouse.name
  description   = "Raw GitHub events as received, gzip JSONL, one partition per ingest day"
  table_type    = "EXTERNAL_TABLE"

  parameters = {
    "classification"                     = "json"
    "compressionType"                    = "gzip"
    "EXTERNAL"                           = "TRUE"
    "projection.enabled"                 = "true"
    "projection.ingest_dt.type"          = "date"
    "projection.ingest_dt.format"        = "yyyy-MM-dd"
    "projection.ingest_dt.range"         = "${var.projection_start_date},NOW"
    "projection.ingest_dt.interval"      = "1"
    "projection.ingest_dt.interval.unit" = "DAYS"
    "storage.location.template"          = "${local.bronze_prefix}ingest_dt=$${ingest_dt}/"
  }

  partition_keys {
    name = "ingest_dt"
    type = "string"
  }

  storage_descriptor {
    location      = local.bronze_prefix
    input_format  = "org.apache.hadoop.mapred.TextInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
    compressed    = true

    ser_de_info {
      name                  = "json"
      serialization_library = "org.openx.data.jsonserde.JsonSerDe"
      parameters = {
        "ignore.malformed.json" = "false"
        "case.insensitive"      = "true"
      }
    }

    columns {
      name = "id"
      type = "string"
    }
    columns {
      name = "type"
      type = "string"
    }
    columns {
      name = "actor"
      type = "struct<id:bigint,login:string,display_login:string,gravatar_id:string,url:string,avatar_url:string>"
    }
    columns {
      name = "repo"
      type = "struct<id:bigint,name:string,url:string>"
    }
    columns {
      name = "org"
      type = "struct<id:bigint,login:string,gravatar_id:string,url:string,avatar_url:string>"
    }
    columns {
      name    = "payload"
      type    = "string"
      comment = "the payload object as JSON text"
    }
    columns {
      name = "public"
      type = "boolean"
    }
    columns {
      name = "created_at"
      type = "string"
    }
    columns {
      name = "ingested_at"
      type = "string"
    }
    columns {
      name = "source"
      type = "string"
    }
  }
}

resource "aws_glue_catalog_table" "silver" {
  name          = "github_events_silver"
  database_name = aws_glue_catalog_database.lakehouse.name
  description   = "One row per distinct event, typed and normalised; partitions registered by the writer"
  table_type    = "EXTERNAL_TABLE"

  parameters = {
    "classification"      = "parquet"
    "parquet.compression" = "SNAPPY"
    "EXTERNAL"            = "TRUE"
  }

  partition_keys {
    name = "year"
    type = "string"
  }
  partition_keys {
    name = "month"
    type = "string"
  }

  storage_descriptor {
    location      = "s3://${var.silver_bucket}/github/events_silver/"
    input_format  = local.parquet_input
    output_format = local.parquet_output

    ser_de_info {
      name                  = "parquet"
      serialization_library = local.parquet_serde
    }

    dynamic "columns" {
      for_each = [
        ["event_id", "string"], ["event_type", "string"], ["created_at", "timestamp"],
        ["actor_id", "bigint"], ["actor_login", "string"], ["repo_id", "bigint"], ["repo_name", "string"],
        ["org_id", "bigint"], ["org_login", "string"], ["is_public", "boolean"],
        ["payload_action", "string"], ["payload_ref", "string"], ["payload_ref_type", "string"],
        ["payload_size", "int"], ["ingest_dt", "string"], ["ingested_at", "timestamp"],
      ]
      content {
        name = columns.value[0]
        type = columns.value[1]
      }
    }
  }
}

resource "aws_glue_catalog_table" "gold_daily" {
  name          = "github_events_gold_daily"
  database_name = aws_glue_catalog_database.lakehouse.name
  description   = "Daily aggregates per event type and repository; one partition per ingest day"
  table_type    = "EXTERNAL_TABLE"

  parameters = {
    "classification"      = "parquet"
    "parquet.compression" = "SNAPPY"
    "EXTERNAL"            = "TRUE"
  }

  partition_keys {
    name = "ingest_dt"
    type = "string"
  }

  storage_descriptor {
    location      = "s3://${var.gold_bucket}/github/events_gold_daily/"
    input_format  = local.parquet_input
    output_format = local.parquet_output

    ser_de_info {
      name                  = "parquet"
      serialization_library = local.parquet_serde
    }

    dynamic "columns" {
      for_each = [
        ["event_type", "string"], ["repo_name", "string"], ["event_count", "bigint"],
        ["distinct_actors", "bigint"], ["first_event_at", "timestamp"], ["last_event_at", "timestamp"],
      ]
      content {
        name = columns.value[0]
        type = columns.value[1]
      }
    }
  }
}
