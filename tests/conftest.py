"""Root test configuration: the real S3 server fixtures (SeaweedFS) for every test folder, and the
shared spec/schedule fixtures of ``tests/builders.py``."""
from tests.builders import schedule, spec  # noqa: F401 (fixtures, registered by being here)

pytest_plugins = ["tests.s3server"]
