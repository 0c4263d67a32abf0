# Each function (ingest, silver, gold, archive) logs into its own log group, created by the stack with a retention
# and the lake key, so Lambda never creates an unencrypted, never-expiring one.
Feature: Every Lambda has a log group with retention and KMS encryption

  Scenario: every Lambda is one of the pipeline's functions
    Given I have aws_lambda_function defined
    Then it must contain function_name
    And its value must match the "^dp-[a-z0-9-]+-(ingest|silver|gold|archive)$" regex

  @noskip
  Scenario Outline: the <function> Lambda logs into its own log group
    Given I have aws_lambda_function defined
    When its index metadata is <function>
    Then it must contain log_group
    And its value must match the "^/aws/lambda/dp-[a-z0-9-]+-<function>$" regex

    Examples:
      | function |
      | ingest   |
      | silver   |
      | gold     |
      | archive  |

  @noskip
  Scenario Outline: the <function> log group is the one the function logs into
    Given I have aws_cloudwatch_log_group defined
    When its index metadata is <function>
    Then it must contain name
    And its value must match the "^/aws/lambda/dp-[a-z0-9-]+-<function>$" regex

    Examples:
      | function |
      | ingest   |
      | silver   |
      | gold     |
      | archive  |

  @noskip
  Scenario Outline: the <function> log group expires its events
    Given I have aws_cloudwatch_log_group defined
    When its index metadata is <function>
    Then it must contain retention_in_days
    And its value must be greater than 0

    Examples:
      | function |
      | ingest   |
      | silver   |
      | gold     |
      | archive  |

  @noskip
  Scenario Outline: the <function> log group is encrypted with a KMS key
    Given I have aws_cloudwatch_log_group defined
    When its index metadata is <function>
    Then it must contain kms_key_id
    And its value must not be null

    Examples:
      | function |
      | ingest   |
      | silver   |
      | gold     |
      | archive  |
