"""Domain: configuration, env files, host identity, Dockerfiles, venvs, checks, layouts.

Pure where it can be: functions take data and return data. What must read files or
ask the engine takes an adapter as an argument.
"""
