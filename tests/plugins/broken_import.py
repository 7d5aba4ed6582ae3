"""Fixture plugin that cannot be imported: it needs a dependency that is not installed."""
from newsdesk import hookimpl  # noqa: F401

import newsdesk_fixture_dependency_not_installed  # noqa: F401  (the import fails, on purpose)
