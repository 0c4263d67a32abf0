# With AWS provider v4+ the public access block is its own resource (aws_s3_bucket_public_access_block)
# keyed like its bucket. Each bucket role is checked through its own block, so a bucket that lacks one
# fails (@noskip turns "nothing found" into a failure instead of a silent skip).
Feature: Every bucket blocks public access with all four flags

  @noskip
  Scenario Outline: the <role> bucket's public access block sets <flag>
    Given I have aws_s3_bucket_public_access_block defined
    When its index metadata is <role>
    Then it must contain <flag>
    And its value must be true

    Examples:
      | role   | flag                    |
      | raw    | block_public_acls       |
      | raw    | block_public_policy     |
      | raw    | ignore_public_acls      |
      | raw    | restrict_public_buckets |
      | silver | block_public_acls       |
      | silver | block_public_policy     |
      | silver | ignore_public_acls      |
      | silver | restrict_public_buckets |
      | gold   | block_public_acls       |
      | gold   | block_public_policy     |
      | gold   | ignore_public_acls      |
      | gold   | restrict_public_buckets |
      | logs   | block_public_acls       |
      | logs   | block_public_policy     |
      | logs   | ignore_public_acls      |
      | logs   | restrict_public_buckets |
