"""Domain: configuration, env files, host identity, Dockerfiles, venvs, checks, layouts.

Pure where it can be: functions take data and return data. What must read files or
ask the engine takes an adapter as an argument.
"""

#: The environments every repository has unless its configuration says otherwise.
#: (Here rather than in config.py so that listing tasks needs no more than this.)
DEFAULT_ENVIRONMENTS = ("dev", "test", "ci")
