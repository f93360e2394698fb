"""Prefect flows: thin wiring of esgflow's library into the collection cycle (one flow per file)."""
