"""Root test configuration: the real S3 server fixtures (SeaweedFS) for every test folder."""
import os

# The tests talk to 127.0.0.1 only: a schedule source a test does not point at its own fixture
# server goes to a closed local port (discard), never to the real NBA or ESPN hosts.
for _name in ("NBA_RECON_NBA_STATS_URL", "NBA_RECON_LEAGUE_SCHEDULE_URL", "NBA_RECON_LEAGUE_SCHEDULE_CDN_URL",
              "NBA_RECON_ESPN_URL"):
    os.environ.setdefault(_name, "http://127.0.0.1:9")

pytest_plugins = ["tests.s3server"]
