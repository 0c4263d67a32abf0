# Each function records X-Ray traces of every invocation (its role may put trace segments; see
# iam_least_privilege for why X-Ray's two actions are the only ones beside PutMetricData on "*").
Feature: Every Lambda traces with X-Ray

  @noskip
  Scenario Outline: the <function> Lambda has active tracing
    Given I have aws_lambda_function defined
    When its index metadata is <function>
    Then it must contain tracing_config
    And it must contain mode
    And its value must be Active

    Examples:
      | function |
      | ingest   |
      | silver   |
      | gold     |
      | archive  |
