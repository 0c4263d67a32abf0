"""Where the stack is deployed (local, localstack, aws) and the environments deployed there."""
