# Log groups of prod keep a year: an incident's function and audit logs must outlive its discovery.
# Other environments choose their retention in envs/<env>.tfvars (cost); terraform/variables.tf also
# refuses less than 365 days for prod, and this gate catches a module that ignores the variable.
Feature: Production log groups keep at least a year

  Scenario: every log group of prod keeps its events for at least 365 days
    Given I have aws_cloudwatch_log_group defined
    When its tags_all includes an entry where env is prod
    Then it must contain retention_in_days
    And its value must be greater than 364
