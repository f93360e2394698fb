"""From observations to figures: derived-indicator formulas, per-entity figures with their factors,
consolidation along the dated tree, published history, and how a figure was made or restated.
"""
