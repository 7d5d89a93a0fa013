"""Outbound webhooks: a tenant subscribes URLs to events, and we POST signed JSON to them.

Plumbing only, no business rules; one module per step:
- **Resources** (`registry`). Higher apps call `register_resource(model, name, serializer_class)`
  from their `AppConfig.ready()`; events are `<name>.created`, `<name>.updated` and
  `<name>.deleted`, and an endpoint subscribes to event names, `<name>.*` or `*`.
- **Emitting** (`emit`). Saves and deletes of a registered model emit through signal receivers;
  bulk writes (which bypass signals) call `emit_events(action, instances)` themselves, inside the
  write transaction. With no active endpoint in the tenant that is one query per call, whatever
  the number of rows. Otherwise one `WebhookDelivery` per row and matching endpoint is written in
  the same transaction (an outbox: the event commits with the data or not at all), and the
  deliveries are published to Celery once it commits.
- **Payload.** `{"id", "event", "occurred_at", "tenant", "data"}`; `data` is the resource as the
  API shows it (the registered serializer), rendered when the event is written and again right
  after the commit. For `deleted`, `data` is `{"id", "external_id"}`.
- **Delivery** (`delivery`). `deliver()` (the `deliver_webhook` task) claims a pending delivery,
  POSTs it signed and records the outcome; failures are retried with backoff kept in the
  database, never in a Celery countdown.
- **Queue** (`tasks`). The Celery tasks, `publish()`, the periodic `sweep()` and
  `replay_delivery()`.
- **SSRF guard** (`core.net`). URLs must be http(s) and resolve to public addresses only, checked
  at subscription and again at each attempt; the connection goes to the address that was checked,
  and redirects are not followed.

The tables are `core.models.WebhookEndpoint` and `core.models.WebhookDelivery`.
"""

# Migration core/0006_webhooks refers to the secret's default by this path (landed migrations are
# never edited); the function itself lives with the model.
from core.models.webhooks import new_secret  # noqa: F401
