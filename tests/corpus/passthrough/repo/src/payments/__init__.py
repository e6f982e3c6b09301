"""Payments webhook receiver (Flask-shaped)."""
