"""Returns coming in: each file archived under its hash, staged into observations, judged and loaded in
one ingest, and the line each file gets.
"""
