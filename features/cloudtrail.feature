Feature: CloudTrail validates its log files

  @noskip
  Scenario: every trail has log file validation on
    Given I have aws_cloudtrail defined
    Then it must contain enable_log_file_validation
    And its value must be true
