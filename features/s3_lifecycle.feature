# Lake objects tier STANDARD -> STANDARD_IA (30 d) -> GLACIER (180 d) and expire at 730 d, through each
# lake bucket's own aws_s3_bucket_lifecycle_configuration.
Feature: Lake buckets tier and expire objects on the agreed schedule

  @noskip
  Scenario Outline: the <role> bucket moves objects to <storage_class> after <days> days
    Given I have aws_s3_bucket_lifecycle_configuration defined
    When its index metadata is <role>
    Then it must contain transition
    When its storage_class is <storage_class>
    Then it must contain days
    And its value must be <days>

    Examples:
      | role   | storage_class | days |
      | raw    | STANDARD_IA   | 30   |
      | raw    | GLACIER       | 180  |
      | silver | STANDARD_IA   | 30   |
      | silver | GLACIER       | 180  |
      | gold   | STANDARD_IA   | 30   |
      | gold   | GLACIER       | 180  |

  @noskip
  Scenario Outline: the <role> bucket expires objects after 730 days
    Given I have aws_s3_bucket_lifecycle_configuration defined
    When its index metadata is <role>
    Then it must contain expiration
    Then it must contain days
    And its value must be 730

    Examples:
      | role   |
      | raw    |
      | silver |
      | gold   |
