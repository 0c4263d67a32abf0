# The state key carries an explicit policy: the account administers it and uses it through S3 only; no
# statement grants a wildcard action. Each statement's condition is the kms_key_conditions check of
# harness/gates/plan_checks.py (run on this plan too).
Feature: The state key has an explicit key policy naming every action

  @noskip
  Scenario: the state key has an explicit key policy
    Given I have aws_kms_key defined
    Then it must contain policy
    And its value must not be null

  @noskip
  Scenario: no statement of the state key's policy grants a wildcard action
    Given I have aws_kms_key defined
    When it has policy
    Then it must contain Action
    And its value must not match the ".*\*" regex
