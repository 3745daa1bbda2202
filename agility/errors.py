"""Errors that carry a message meant for a person; the CLI prints them without a traceback."""


class AgilityError(Exception):
    """An expected failure with a clear, complete message."""


class ConfigError(AgilityError):
    """A profile, topology or provisioning file is invalid."""


class ServiceNotReady(AgilityError):
    """A service did not become ready before its deadline, or died while starting."""


class SandboxUnavailable(AgilityError):
    """The embedded sandbox cannot run on this machine (not Linux, not root, ...)."""
