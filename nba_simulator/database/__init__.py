"""The database layer (SQLAlchemy 2 + Alembic): one module per concern.

* ``engine``      engines from URLs; passwords from the environment or ~/.pgpass; ``redact(url)``
* ``migrate``     ``upgrade(engine)``: the packaged Alembic migrations (``migrations/``)
* ``tables``      the history tables as SQLAlchemy Core objects (per schema)
* ``history``     record a run; task and item lifecycle; new / fixed / trends queries; metrics
* ``metrics``     headline metrics of a run; optional CloudWatch publishing
* ``db_coverage`` which expected games are absent, empty or disagree with the lake; ``schedule: db``
* ``cli``         ``nba-recon db ...`` and ``nba-recon history ...``

The spec's ``database:`` section is modelled in the spec layer (``spec.database``).
"""
