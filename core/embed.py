"""How a site embeds one of our public pages: an iframe of its URL. Shared by routing's lead
forms and campaigns' offer landing pages, so both doors hand out the same snippet."""

from __future__ import annotations

from django.utils.html import format_html

__all__ = ["iframe_snippet"]


def iframe_snippet(url: str, title: str) -> str:
    """The HTML a site pastes to show the page at `url` (absolute) in a frame titled `title`."""
    return str(
        format_html(
            '<iframe src="{}" title="{}" loading="lazy" '
            'style="width:100%;max-width:640px;height:820px;border:0"></iframe>',
            url,
            title,
        )
    )
