output "database_name" {
  description = "Glue database name."
  value       = aws_glue_catalog_database.lakehouse.name
}

output "table_names" {
  description = "Table names by layer."
  value = {
    bronze = aws_glue_catalog_table.bronze.name
    silver = aws_glue_catalog_table.silver.name
    gold   = aws_glue_catalog_table.gold_daily.name
  }
}
