"""Deal registration's pages, one module per audience (see common.py for what they share)."""
