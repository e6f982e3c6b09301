"""Workflows: compose the domain functions and adapters into what a task does."""
