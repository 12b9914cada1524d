"""pipeline.engine_entry: papermill's entry point is a stand-in that answers as the warm engine."""

from __future__ import annotations

import nbformat

from nba_simulator.pipeline.engine_entry import WarmEngine as EntryEngine


def test_the_entry_point_stand_in_answers_as_the_engine():
    nb = nbformat.from_dict(
        {
            "metadata": {"kernelspec": {"name": "python3"}, "language_info": {"name": "python"}},
            "nbformat": 4,
            "nbformat_minor": 5,
            "cells": [],
        }
    )
    from nba_simulator.pipeline.warm_engine import WarmEngine

    assert EntryEngine.nb_kernel_name(nb) == WarmEngine.nb_kernel_name(nb) == "python3"
    assert EntryEngine.nb_language(nb) == WarmEngine.nb_language(nb) == "python"
    assert EntryEngine.nb_kernel_name(nb, "other") == "other"
