"""Surfaces: Invoke collections, nox session factories, the ``dockyard`` program, reports.

The only layer that prints, parses arguments and picks exit codes.
"""
