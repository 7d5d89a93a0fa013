"""Placeholder; pages come with the rest of issue 5."""


def register() -> None:
    pass
