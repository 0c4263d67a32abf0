# Versioning is its own resource (aws_s3_bucket_versioning); each lake bucket is checked through its own,
# so a lake bucket without one fails.
Feature: Lake buckets keep object versions

  @noskip
  Scenario Outline: versioning is enabled on the <role> bucket
    Given I have aws_s3_bucket_versioning defined
    When its index metadata is <role>
    Then it must contain status
    And its value must match the "^Enabled$" regex

    Examples:
      | role   |
      | raw    |
      | silver |
      | gold   |
