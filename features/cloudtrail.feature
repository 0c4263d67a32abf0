Feature: CloudTrail validates its log files and covers every region

  @noskip
  Scenario: every trail has log file validation on
    Given I have aws_cloudtrail defined
    Then it must contain enable_log_file_validation
    And its value must be true

  @noskip
  Scenario: every trail records every region
    Given I have aws_cloudtrail defined
    Then it must contain is_multi_region_trail
    And its value must be true

  @noskip
  Scenario: every trail records global service events (IAM, STS)
    Given I have aws_cloudtrail defined
    Then it must contain include_global_service_events
    And its value must be true
