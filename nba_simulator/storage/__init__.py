"""The lake, read-only: a local folder or S3 (see :mod:`.base`), and scanning it into an inventory.

``scan``/``read_inventory`` live in :mod:`nba_simulator.storage.scan` (not re-exported here, so
that the name ``nba_simulator.storage.scan`` always means the module).
"""

from nba_simulator.storage.base import INVENTORY_SCHEMA, ObjectNotFound, Storage
from nba_simulator.storage.factory import open_storage

__all__ = ["INVENTORY_SCHEMA", "ObjectNotFound", "Storage", "open_storage"]
