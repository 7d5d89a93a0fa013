from rest_framework.pagination import CursorPagination


class StableCursorPagination(CursorPagination):
    """Cursor pagination over a unique ordering, so pages never skip or repeat rows when rows are
    added meanwhile. `?page_size=` up to 1,000."""

    ordering = ("id",)
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
