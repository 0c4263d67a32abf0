# Each lake bucket logs through its own aws_s3_bucket_logging into the logs bucket, under
# s3-access/<bucket>/ (docs/contracts.md). The target bucket's name is unknown until apply; the plan
# records the reference, which terraform-compliance resolves to the referenced bucket's address.
Feature: Lake buckets write S3 access logs into the logs bucket

  @noskip
  Scenario Outline: the <role> bucket logs into the logs bucket
    Given I have aws_s3_bucket_logging defined
    When its index metadata is <role>
    Then it must contain target_bucket
    And its value must match the "^module\.storage\.aws_s3_bucket\.[a-z_]+\[.logs.\]$" regex

    Examples:
      | role   |
      | raw    |
      | silver |
      | gold   |

  @noskip
  Scenario Outline: the <role> bucket's access logs land under s3-access/<bucket>/
    Given I have aws_s3_bucket_logging defined
    When its index metadata is <role>
    Then it must contain target_prefix
    And its value must match the "^s3-access/dp-[a-z0-9-]+-[0-9]{12}-<role>/$" regex

    Examples:
      | role   |
      | raw    |
      | silver |
      | gold   |
