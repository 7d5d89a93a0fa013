"""Files written to storage inside a transaction: the database rolls back, storage does not.
`deleted_on_failure` deletes what was written when the block fails, so a refused submission
leaves no orphan bytes behind."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db.models.fields.files import FieldFile

__all__ = ["deleted_on_failure"]


@contextmanager
def deleted_on_failure() -> Iterator[Callable[[FieldFile], None]]:
    """`with deleted_on_failure() as written, transaction.atomic(): written(row.file)`: every
    file passed to `written` is deleted from its storage if the block raises."""
    files: list[FieldFile] = []
    try:
        yield files.append
    except BaseException:
        for stored in files:
            if stored.name:
                stored.storage.delete(stored.name)
        raise
