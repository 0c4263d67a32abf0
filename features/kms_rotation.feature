Feature: Customer-managed KMS keys rotate

  @noskip
  Scenario: every KMS key has automatic rotation on
    Given I have aws_kms_key defined
    Then it must contain enable_key_rotation
    And its value must be true
