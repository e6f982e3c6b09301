"""Adapters: the only code that touches processes, the Docker engine and files.

Everything here is thin and typed; the domain and workflow layers call it and the
surfaces inject fakes (see :mod:`dockyard.testing`) in unit tests.
"""
