"""Root test configuration: the real S3 server fixtures (SeaweedFS) for every test folder."""
pytest_plugins = ["tests.s3server"]
