# The bucket gates below check each bucket role by name (raw, silver, gold, logs) through its companion
# resources. This gate closes the loop: a bucket outside those roles would escape them, so it fails here.
Feature: Every bucket is one of the four roles the bucket gates check

  Scenario: every bucket is named dp-<env>-<account>-{raw|silver|gold|logs}
    Given I have aws_s3_bucket defined
    Then it must contain bucket
    And its value must match the "^dp-[a-z0-9-]+-[0-9]{12}-(raw|silver|gold|logs)$" regex

  @noskip
  Scenario Outline: the <role> bucket exists
    Given I have aws_s3_bucket defined
    When its index metadata is <role>
    Then it must contain bucket
    And its value must match the "^dp-[a-z0-9-]+-[0-9]{12}-<role>$" regex

    Examples:
      | role   |
      | raw    |
      | silver |
      | gold   |
      | logs   |
