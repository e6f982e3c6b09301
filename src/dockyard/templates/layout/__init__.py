"""Templates of the standard layout, used by ``layout.init`` and ``layout.migrate``."""
