"""dockyard's own tasks: the same namespace any project gets from dockyard.

invoke --list
invoke env.show
"""

from dockyard.tasks import namespace

__all__ = ["namespace"]
