"""Shop backend (Django-shaped settings in shop.settings)."""
