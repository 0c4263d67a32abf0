Feature: Alarms watch ingest errors and transform failures

  @noskip
  Scenario: an alarm fires on errors of the ingest Lambda
    Given I have aws_cloudwatch_metric_alarm defined
    When its namespace is AWS/Lambda
    When its metric_name is Errors
    When its index metadata is ingest
    Then it must contain FunctionName
    And its value must match the "^dp-[a-z0-9-]+-ingest$" regex

  @noskip
  Scenario Outline: an alarm fires on failed Athena queries of the <transform> transform
    Given I have aws_cloudwatch_metric_alarm defined
    When its metric_name is AthenaQueryFailures
    When its dimensions includes an entry where Transform is <transform>
    Then it must contain alarm_actions

    Examples:
      | transform |
      | silver    |
      | gold      |
