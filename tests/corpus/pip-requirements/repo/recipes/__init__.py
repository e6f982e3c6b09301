"""Recipes: a WSGI app in the shape of a small Flask project."""
