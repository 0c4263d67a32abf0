# Metric filters on the trail's log group count unauthorised API calls (CIS AWS Foundations), changes to
# the policy, ACL or public access block of the lake's buckets, and changes that could disable or hand
# over the lake key; an alarm on each notifies the alarm topic. The bucket and key patterns name ARNs
# known only after apply: tests/integration/test_stack.py reads them back.
Feature: Security events on the trail raise alarms

  @noskip
  Scenario Outline: a metric filter counts <event> into <metric>
    Given I have aws_cloudwatch_log_metric_filter defined
    When its index metadata is <event>
    Then it must contain metric_transformation
    And it must contain name
    And its value must be <metric>

    Examples:
      | event                      | metric                  |
      | unauthorized_api_calls     | UnauthorizedApiCalls    |
      | lake_bucket_policy_changes | LakeBucketPolicyChanges |
      | lake_key_changes           | LakeKeyChanges          |

  @noskip
  Scenario: the unauthorised-calls filter matches denied calls
    Given I have aws_cloudwatch_log_metric_filter defined
    When its index metadata is unauthorized_api_calls
    Then it must contain pattern
    And its value must match the ".*UnauthorizedOperation.*AccessDenied.*" regex

  @noskip
  Scenario Outline: an alarm on <metric> notifies the alarm topic
    Given I have aws_cloudwatch_metric_alarm defined
    When its metric_name is <metric>
    Then it must contain alarm_actions
    And its value must not be null

    Examples:
      | metric                  |
      | UnauthorizedApiCalls    |
      | LakeBucketPolicyChanges |
      | LakeKeyChanges          |
