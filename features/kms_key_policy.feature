# Every KMS key carries an explicit key policy (not the default one that hands the key to the account's
# IAM policies), and no statement of it grants a wildcard action. That every statement also has a
# condition (a key policy's Resource is always "*") is the kms_key_conditions check of
# harness/gates/plan_checks.py: terraform-compliance cannot require something of every statement.
Feature: KMS key policies are explicit and name every action

  @noskip
  Scenario: every KMS key has an explicit key policy
    Given I have aws_kms_key defined
    Then it must contain policy
    And its value must not be null

  @noskip
  Scenario: no statement of a key policy grants a wildcard action
    Given I have aws_kms_key defined
    When it has policy
    Then it must contain Action
    And its value must not match the ".*\*" regex
