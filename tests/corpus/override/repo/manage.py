#!/usr/bin/env python
"""Command-line entry point, shaped like Django's manage.py."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from config.wsgi import serve

    if sys.argv[1:2] == ["runserver"]:
        serve()


if __name__ == "__main__":
    main()
