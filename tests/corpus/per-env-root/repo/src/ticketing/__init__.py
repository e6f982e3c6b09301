"""Ticket booking API."""
