# Lake buckets (raw, silver, gold) encrypt with SSE-KMS under the stack's own customer-managed key and use
# S3 bucket keys. The key ARN is unknown until apply, so the plan records the reference instead: it must
# point at an aws_kms_key of the stack, which rules out AES256, the AWS-managed alias/aws/s3 key and any
# key ARN typed in from elsewhere. (The logs bucket keeps SSE-S3: S3 access log delivery requires it.)
Feature: Lake buckets are encrypted with the stack's customer-managed KMS key

  @noskip
  Scenario Outline: the <role> bucket uses SSE-KMS
    Given I have aws_s3_bucket_server_side_encryption_configuration defined
    When its index metadata is <role>
    Then it must contain sse_algorithm
    And its value must be aws:kms

    Examples:
      | role   |
      | raw    |
      | silver |
      | gold   |

  @noskip
  Scenario Outline: the <role> bucket's key is a customer-managed key of this stack
    Given I have aws_s3_bucket_server_side_encryption_configuration defined
    When its index metadata is <role>
    Then it must contain kms_master_key_id
    And its value must match the "^aws_kms_key\.[a-z0-9_]+(\.arn)?$" regex

    Examples:
      | role   |
      | raw    |
      | silver |
      | gold   |

  @noskip
  Scenario Outline: the <role> bucket uses an S3 bucket key
    Given I have aws_s3_bucket_server_side_encryption_configuration defined
    When its index metadata is <role>
    Then it must contain bucket_key_enabled
    And its value must be true

    Examples:
      | role   |
      | raw    |
      | silver |
      | gold   |
