# Who read or wrote the Terraform state: the state bucket sends S3 server access logs to a bucket of
# its own under s3-access/<state bucket>/ (the target is unknown until apply; the plan shows the
# reference to the bootstrap's access-log bucket).
Feature: The state bucket logs every access

  @noskip
  Scenario: the state bucket has server access logging
    Given I have aws_s3_bucket_logging defined
    Then it must contain target_prefix
    And its value must match the "^s3-access/dp-tfstate-[0-9]{12}-[a-z0-9-]+/$" regex

  @noskip
  Scenario: the access logs land in the bootstrap's access-log bucket
    Given I have aws_s3_bucket_logging defined
    Then it must contain target_bucket
    And its value must match the "^aws_s3_bucket\.access_logs(\.id)?$" regex
