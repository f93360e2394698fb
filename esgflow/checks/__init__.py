"""Data-quality checks: catalog rules as Great Expectations suites over long check frames."""
