"""Double-entry ledger service."""
