"""Root test configuration: the real S3 server fixtures (SeaweedFS) for every test folder, the
shared spec/schedule fixtures of ``tests/builders.py``, and the markers ``make test-fast`` leaves
out, given here so that a new test gets them by what it uses:

* ``s3``: the test uses the S3 server (any fixture built on ``s3_server``);
* ``postgres``: it uses the PostgreSQL fixture;
* ``kernel`` / ``browser``: it is in a module that runs notebooks in Jupyter kernels / drives
  Chromium (:data:`KERNEL_MODULES`, :data:`BROWSER_MODULES`);
* ``slow``: marked so in its module, or listed in :data:`SLOW_MODULES` / :data:`SLOW_TESTS`.
"""

import os
from pathlib import Path

import pytest

from tests.builders import schedule, spec  # noqa: F401 (fixtures, registered by being here)

# The tests talk to 127.0.0.1 only: a schedule source a test does not point at its own fixture
# server goes to a closed local port (discard), never to the real NBA or ESPN hosts.
for _name in (
    "NBA_RECON_NBA_STATS_URL",
    "NBA_RECON_LEAGUE_SCHEDULE_URL",
    "NBA_RECON_LEAGUE_SCHEDULE_CDN_URL",
    "NBA_RECON_ESPN_URL",
):
    os.environ.setdefault(_name, "http://127.0.0.1:9")

pytest_plugins = ["tests.s3server"]

KERNEL_MODULES = {
    "pipeline/test_demo_pipeline.py",
    "pipeline/test_engine_entry.py",
    "pipeline/test_history_pipeline.py",
    "pipeline/test_notebook_sources.py",
    "pipeline/test_quiet_run.py",
    "pipeline/test_real_layout_pipeline.py",
    "pipeline/test_runner.py",
    "pipeline/test_s3_pipeline.py",
    "pipeline/test_sigterm.py",
    "pipeline/test_stream_pipeline.py",
    "pipeline/test_warm.py",
    "report/test_partial_run.py",
    "faults/test_crash_resume.py",
    "faults/test_soak.py",
    "faults/test_stalled_services.py",
    "faults/test_secrets_and_escaping.py",
    "faults/test_secrets_sweep.py",
    "faults/test_readonly_lake.py",
    "faults/test_bad_input_matrix.py",
}
BROWSER_MODULES = {"report/test_browser.py"}
#: the slowest of the rest (`--junitxml` times of `make test-fast`, each over ~5 s with its
#: fixtures): whole modules and single tests (module::test, parameters ignored). What they check
#: runs in `make test`; the quick loop keeps the unit tests of the same modules.
SLOW_MODULES = {
    "faults/test_property_inputs.py",
    "schedule/test_schedule_update.py",
    "coverage/test_dask_engine.py",  # a Dask cluster per test
    "test_coverage_run.py",  # the CLI and the stage, probing, on Dask
    "report/test_totals.py",
    "content/test_demo_probe.py",
    "integration/test_demo_lake.py",
    "integration/test_real_layout.py",  # demo and real-layout lakes built and reconciled
    "faults/test_property_readers.py",  # generated inputs through reconcile
    "schedule/test_schedule_cloud.py",  # deadlines waited out against silent servers
}
SLOW_TESTS = {
    "coverage/test_stream.py::test_bench_shaped_delivery",
    "coverage/test_stream.py::test_reconcile_streamed_writes_the_same_files",
    "coverage/test_stream.py::test_an_expected_key_listed_in_every_chunk_is_held_once",
    "coverage/test_stream.py::test_random_order_bucket_shape_streamed_equals_in_memory",
    "coverage/test_stream.py::test_orphans_are_not_accumulated_while_they_stream",
    "coverage/test_stream.py::test_stream_yes_without_an_inventory_says_the_lake_was_listed",
    "storage/test_inventory_report.py::test_reconcile_reads_the_inventory_and_falls_back",
    "test_compat.py::test_notebook_libraries_import_without_the_iri_grammars",
    "test_cli_options.py::test_without_verbose_no_progress_is_logged",
    "test_cli_options.py::test_verbose_before_or_after_the_command_logs_progress",
    "test_lake_and_dates.py::test_stray_file_lake_is_bad_input",
}
TESTS = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        module = Path(str(item.fspath)).resolve()
        rel = module.relative_to(TESTS).as_posix() if module.is_relative_to(TESTS) else ""
        if "s3_server" in names:
            item.add_marker(pytest.mark.s3)
        if "postgres" in names:
            item.add_marker(pytest.mark.postgres)
        if rel in KERNEL_MODULES:
            item.add_marker(pytest.mark.kernel)
        if rel in BROWSER_MODULES:
            item.add_marker(pytest.mark.browser)
        if rel in SLOW_MODULES or f"{rel}::{item.originalname}" in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
