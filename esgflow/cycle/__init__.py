"""The yearly cycle: deadlines, what a received file becomes, the status of each entity, and the ESG
office's review before sign-off.
"""
