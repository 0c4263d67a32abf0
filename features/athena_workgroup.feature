# The workgroup's settings must win over the client's (enforced), or a query could write unencrypted
# results anywhere.
Feature: The Athena workgroup enforces its configuration and encrypts results with SSE_KMS

  @noskip
  Scenario: the workgroup enforces its configuration
    Given I have aws_athena_workgroup defined
    Then it must contain enforce_workgroup_configuration
    And its value must be true

  @noskip
  Scenario: query results are encrypted with SSE_KMS
    Given I have aws_athena_workgroup defined
    Then it must contain encryption_option
    And its value must be SSE_KMS
