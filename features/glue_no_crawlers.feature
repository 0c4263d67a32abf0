# Tables are declared column by column in Terraform; a crawler would rewrite schemas behind the contract.
Feature: No Glue crawlers

  Scenario: the stack declares no Glue crawler
    Given I have aws_glue_crawler defined
    Then the scenario must fail
