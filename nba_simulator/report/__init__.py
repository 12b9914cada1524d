"""The report a reader acts on: its first screen, its tables, its warnings, and the
real-browser check of its pages (browser.py)."""
