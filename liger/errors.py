"""The one error type the harness reports as a single line: a configuration problem the user can fix."""


class ConfigError(ValueError):
    """An expected configuration problem (a missing data folder, an unknown option, a bad value).

    ``liger-run`` prints its message as one line and exits with status 2 (``HYDRA_FULL_ERROR=1`` shows the
    traceback); it is a ``ValueError``, so callers that catch those still do.
    """
