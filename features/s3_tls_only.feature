# The bucket policy is its own resource (aws_s3_bucket_policy); each role is checked through its own
# policy, so a bucket without one fails. The plan holds the policy as JSON, which terraform-compliance
# reads as a document: some Deny statement must carry the aws:SecureTransport = false condition.
Feature: Every bucket denies requests that do not use TLS

  @noskip
  Scenario Outline: the <role> bucket's policy denies aws:SecureTransport = false
    Given I have aws_s3_bucket_policy defined
    When its index metadata is <role>
    Then it must contain policy
    Then it must contain Statement
    When its Effect is Deny
    Then it must contain aws:SecureTransport
    And its value must be false

    Examples:
      | role   |
      | raw    |
      | silver |
      | gold   |
      | logs   |
