"""Deal registration with conflict detection, approval and protection periods."""

from django.apps import AppConfig


class DealregConfig(AppConfig):
    name = "dealreg"
    verbose_name = "Deal registration"

    def ready(self) -> None:
        from core.webhooks.registry import register_resource
        from dealreg import signals, tasks  # noqa: F401  (close on CRM won/lost; the sweep)
        from dealreg.api.serializers import DealRegistrationSerializer, EventSerializer
        from dealreg.models import DealRegistration, RegistrationEvent

        # Every state change saves the registration (deal_registration.updated) and writes a
        # timeline entry (deal_registration_event.created: action, from → to, reason).
        register_resource(
            DealRegistration,
            "deal_registration",
            DealRegistrationSerializer,
            select_related=("end_customer",),
            prefetch_related=("lines__product_line",),
        )
        register_resource(RegistrationEvent, "deal_registration_event", EventSerializer)
