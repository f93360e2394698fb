"""Subsidiary workbooks: templates out (template.py), returns in (safe_zip, reader, parse)."""
