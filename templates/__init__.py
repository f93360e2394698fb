"""The workbook template's own assets as data (`layout.yaml`), installed as esgflow.templates."""
