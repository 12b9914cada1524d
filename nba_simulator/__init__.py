"""nba_simulator: reconcile an NBA data lake against the schedule, game by game."""

__version__ = "0.1.0"
