# Tags come from the provider's default_tags, so they show in tags_all rather than tags.
Feature: Taggable resources carry the required tags

  Scenario Outline: taggable resources carry the <tag> tag
    Given I have resource that supports tags_all defined
    Then it must contain tags_all
    Then it must contain <tag>
    And its value must match the ".+" regex

    Examples:
      | tag        |
      | env        |
      | owner      |
      | project    |
      | managed_by |
