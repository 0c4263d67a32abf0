# Most policy JSON is unknown until apply (it names ARNs created by the same apply), so the actions are
# checked where the plan knows them: in the aws_iam_policy_document data sources the role policies are
# built from. A wildcard action also rules out an Allow of "*" on "*". Resource-based documents (the
# bucket policies and the key policy) are excluded here: the bucket policies' wildcard is a Deny of s3:*
# (gated by s3_tls_only), and the key policy is gated by kms_key_policy and kms_key_conditions.
Feature: IAM policies grant no wildcard action

  @noskip @exclude_module.storage.data.aws_iam_policy_document.bucket @exclude_module.storage.data.aws_iam_policy_document.lake_key
  Scenario: identity policy documents name every action
    Given I have aws_iam_policy_document data configured
    Then it must contain actions
    And its value must not match the ".*\*" regex

  Scenario Outline: <type> policies known at plan time name every action
    Given I have <type> defined
    When it has policy
    Then it must contain Action
    And its value must not match the ".*\*" regex

    Examples:
      | type                 |
      | aws_iam_policy       |
      | aws_iam_role_policy  |
      | aws_iam_user_policy  |
      | aws_iam_group_policy |
