"""Failures are types, not flags: a stage timeout is a StageTimeout (exit code 1, never retried),
nbclient's and papermill's public exception classes are matched by type, and bad input is known
by isinstance or, for an error raised in a stage's kernel, by its class name among the package's
error classes (those defined outside errors.py too)."""

from __future__ import annotations

from nbclient.exceptions import CellTimeoutError
from papermill.exceptions import PapermillExecutionError

from nba_simulator import errors
from nba_simulator.asof import AsOfError
from nba_simulator.errors import BadInput, ReconError, StageTimeout, error_class, is_bad_input
from nba_simulator.pipeline.retry import classify


def test_stage_timeout_carries_its_exit_code_and_cause():
    cause = CellTimeoutError("A cell timed out while it was being executed, after 3 seconds.")
    exc = StageTimeout(3, cause)
    assert isinstance(exc, ReconError) and not isinstance(exc, BadInput)
    assert exc.exit_code == 1 and exc.transient is False and exc.__cause__ is cause
    assert str(exc) == "stage ran past its timeout of 3 s (CellTimeoutError)"
    assert BadInput("x").exit_code == 2 and errors.SpecError("x").exit_code == 2


def test_a_timeout_is_classified_by_type_with_the_cell_of_its_cause():
    cause = PapermillExecutionError(4, 5, "time.sleep(60)", "Interrupted", "stopped", [])
    failure = classify(StageTimeout(10, cause))
    assert (failure.ename, failure.transient, failure.cell_index) == ("StageTimeout", False, 4)
    assert "(Interrupted)" in failure.evalue  # the kernel's own error name, not papermill's wrapper
    # the same exception without the timeout: classified by what the kernel raised
    plain = classify(cause)
    assert plain.ename == "Interrupted" and plain.cell_index == 4


def test_bad_input_by_type_or_by_the_name_a_kernel_reports():
    assert is_bad_input(errors.ParameterError("p")) and not is_bad_input(errors.OutputError("o"))
    assert not is_bad_input(StageTimeout(1, RuntimeError("x")))
    for name in ("BadInput", "SpecError", "LakeNotFound", "AccessDenied", "AsOfError"):
        assert is_bad_input(name), name
    assert error_class("AsOfError") is AsOfError  # defined in asof.py, found as a subclass
    for name in ("StageTimeout", "OutputError", "KeyError", "globals", "__name__", "", None):
        assert not is_bad_input(name), name
    assert error_class("KeyError") is None and error_class("TransientStorageError").transient
