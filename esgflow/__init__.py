"""esgflow: ESG data collection, validation, consolidation and reporting."""

__version__ = "0.1.0"


class EsgflowError(Exception):
    """An error a user can act on; the CLI prints it as one line and exits non-zero."""
