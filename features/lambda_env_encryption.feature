# The functions' environment variables (bucket names, the token's parameter name) are encrypted at rest
# with the stack's key instead of Lambda's AWS-managed one. The key ARN is unknown until apply; the plan
# shows the configuration's reference, which must be there.
Feature: Every Lambda encrypts its environment with the stack's key

  @noskip
  Scenario Outline: the <function> Lambda names a KMS key for its environment
    Given I have aws_lambda_function defined
    When its index metadata is <function>
    Then it must contain kms_key_arn
    And its value must not be null

    Examples:
      | function |
      | ingest   |
      | silver   |
      | gold     |
      | archive  |
