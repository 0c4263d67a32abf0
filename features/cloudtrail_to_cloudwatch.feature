# The trail also delivers to a CloudWatch Logs group (through a role CloudTrail assumes), where metric
# filters turn security events into alarms. That group is encrypted with the stack's key and expires.
Feature: CloudTrail delivers to an encrypted CloudWatch Logs group

  @noskip
  Scenario: every trail delivers to a CloudWatch Logs group through a role
    Given I have aws_cloudtrail defined
    Then it must contain cloud_watch_logs_group_arn
    And its value must not be null

  @noskip
  Scenario: every trail names the role CloudTrail assumes to deliver
    Given I have aws_cloudtrail defined
    Then it must contain cloud_watch_logs_role_arn
    And its value must not be null

  @noskip
  Scenario: the trail's log group is encrypted with a KMS key
    Given I have aws_cloudwatch_log_group defined
    When its name is "^/aws/cloudtrail/" regex
    Then it must contain kms_key_id
    And its value must not be null

  @noskip
  Scenario: the trail's log group expires its events
    Given I have aws_cloudwatch_log_group defined
    When its name is "^/aws/cloudtrail/" regex
    Then it must contain retention_in_days
    And its value must be greater than 0
