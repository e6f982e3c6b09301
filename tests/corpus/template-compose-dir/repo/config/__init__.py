"""Project configuration package (settings, server entry points)."""
