#!/usr/bin/env python
"""Command line entry point: ``python manage.py ingest | serve | search | export``."""

from archivist.cli import main

if __name__ == "__main__":
    main()
