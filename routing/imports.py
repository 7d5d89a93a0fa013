"""CSV import of leads (core/imports.py)."""


def register_imports() -> None:
    pass
