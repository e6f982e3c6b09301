"""Package data: files dockyard writes into projects."""
