# The archive function's errors and its failed hours alarm as the ingest's errors do: an hour that keeps
# failing stays not-done (nothing partial counts), so only an alarm makes a person look at it.
Feature: Alarms watch ingest errors, transform failures and archive failures

  @noskip
  Scenario: an alarm fires on errors of the ingest Lambda
    Given I have aws_cloudwatch_metric_alarm defined
    When its namespace is AWS/Lambda
    When its metric_name is Errors
    When its index metadata is ingest
    Then it must contain FunctionName
    And its value must match the "^dp-[a-z0-9-]+-ingest$" regex

  @noskip
  Scenario: an alarm fires on errors of the archive Lambda
    Given I have aws_cloudwatch_metric_alarm defined
    When its namespace is AWS/Lambda
    When its metric_name is Errors
    When its index metadata is archive
    Then it must contain FunctionName
    And its value must match the "^dp-[a-z0-9-]+-archive$" regex

  @noskip
  Scenario: an alarm fires on GH Archive hours that failed to load
    Given I have aws_cloudwatch_metric_alarm defined
    When its metric_name is ArchiveHoursFailed
    Then it must contain alarm_actions

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
