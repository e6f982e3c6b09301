"""Layout plans: scaffold the compose/, env/, docker/ layout or migrate a flat one.

Planning is pure: it reads the repository and returns a :class:`Plan` of file steps
(every new file's content, every rewritten file's new content, every removal). The
workflow (:mod:`dockyard.workflows.layout`) carries a plan out with a journal and
backups, and rolls it back byte for byte.
"""

from dockyard.domain.layout.plan import Plan, Remove, Write

__all__ = ["Plan", "Remove", "Write"]
