"""The lake, read-only: a local folder or S3 (see :mod:`.base`), and scanning it into an inventory."""
from nba_simulator.storage.base import INVENTORY_SCHEMA, ObjectNotFound, Storage, open_storage
from nba_simulator.storage.scan import read_inventory, scan

__all__ = ["INVENTORY_SCHEMA", "ObjectNotFound", "Storage", "open_storage", "read_inventory", "scan"]
