# The alarm topic and the failure queue hold what the pipeline says about itself (alarm states, failed
# invocations with their payloads). Both are SSE-KMS under a customer-managed key: a topic or queue
# without one, SSE-SQS instead, or the AWS-managed alias/aws/sns or alias/aws/sqs key fails. The key ARN
# is unknown until apply; the plan shows the configuration's reference (tests/integration/test_stack.py
# reads back that it is the lake key).
Feature: The alarm topic and the failure queue are encrypted with the stack's key

  @noskip
  Scenario Outline: every <type> names a KMS key
    Given I have <type> defined
    Then it must contain kms_master_key_id
    And its value must not be null

    Examples:
      | type          |
      | aws_sns_topic |
      | aws_sqs_queue |

  @noskip
  Scenario Outline: no <type> uses an AWS-managed key
    Given I have <type> defined
    Then it must contain kms_master_key_id
    And its value must not match the "^alias/aws/" regex

    Examples:
      | type          |
      | aws_sns_topic |
      | aws_sqs_queue |
