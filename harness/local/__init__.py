"""The local AWS: moto server with the harness's extensions, the local Athena, the fake GitHub API."""
