"""``python -m dockyard`` runs the dockyard program."""

from dockyard.surfaces.program import main

main()
