"""MDF's pages in the front doors (imported by `TenancyConfig.ready()`)."""

from tenancy.navigation import Page, register_pages


# --- ROI and reallocation (console) -----------------------------------------------------------
# The mdf-roi branch's block: self-contained (its imports inside), to be kept whole at the end
# of this file when merging.
def _register_roi_and_reallocation() -> None:
    from mdf.views import reallocation, roi

    register_pages(
        "console",
        Page("mdf/roi/", roi.roi, "mdf-roi", nav="MDF return", order=60, group="measure"),
        Page("mdf/roi/export/", roi.roi_export, "mdf-roi-export"),
        Page(
            "mdf/reallocations/",
            reallocation.reallocations,
            "mdf-reallocations",
            nav="MDF reallocation",
            order=62,
            group="measure",
        ),
        Page(
            "mdf/reallocations/recommend/",
            reallocation.reallocation_recommend,
            "mdf-reallocation-recommend",
        ),
        Page("mdf/reallocations/<int:pk>/", reallocation.reallocation, "mdf-reallocation"),
        Page(
            "mdf/reallocation-lines/<int:pk>/accept/",
            reallocation.line_accept,
            "mdf-reallocation-line-accept",
        ),
        Page(
            "mdf/reallocation-lines/<int:pk>/reject/",
            reallocation.line_reject,
            "mdf-reallocation-line-reject",
        ),
    )


_register_roi_and_reallocation()
