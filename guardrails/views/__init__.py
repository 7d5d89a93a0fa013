"""The guardrails pages of the three front doors, one module per area; `guardrails/pages.py`
declares their URLs."""
