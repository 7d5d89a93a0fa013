"""The one API router, under /api/v1/. It declares nothing itself: every installed app declares its
endpoints in `<app>/api/urls.py` (core/api/routes.py), collected here in PROJECT_APPS order."""

from rest_framework.routers import DefaultRouter

from core.api.routes import collect


class Router(DefaultRouter):
    include_root_view = False
    include_format_suffixes = False


router = Router()
_resources, _views = collect()
for resource in _resources:
    router.register(resource.prefix, resource.viewset, basename=resource.basename)

urlpatterns = [*_views, *router.urls]
