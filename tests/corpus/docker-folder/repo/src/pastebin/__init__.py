"""A tiny pastebin (Flask-shaped WSGI app)."""
