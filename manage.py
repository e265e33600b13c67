#!/usr/bin/env python
"""Django's command-line utility. The installed `casework` command (casework/cli.py) is the same."""

import os
import sys

from django.core.management import execute_from_command_line


def main() -> None:
    """Run a Django management command with casework's settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
