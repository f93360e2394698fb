"""Assurance: what an assurance provider is handed for a period, and the check that it proves itself."""
