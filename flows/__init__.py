"""Prefect flows: thin wiring of esgflow's library into the collection cycle (one flow per file).

Flow parameters are what a deployment, the Prefect UI or the command line sends: a period
is its code ('2025') here and becomes a Period as the flow starts.
"""
