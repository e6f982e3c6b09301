"""Project tasks: `invoke --list`."""

from dockyard.tasks import namespace

ns = namespace
