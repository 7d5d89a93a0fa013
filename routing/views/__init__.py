"""The lead-ops pages of the three front doors, one module per area; routing/pages.py registers
them."""
