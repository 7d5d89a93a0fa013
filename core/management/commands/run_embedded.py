import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from core.embedded import start_embedded_scheduler
from core.seeding import demo_logins


class Command(BaseCommand):
    help = "Serve the portal on one machine: web server plus in-process tasks and periodic jobs."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))

    def handle(self, *args, host, port, **options):
        if settings.REDIS_URL:
            raise CommandError("REDIS_URL is set: run a Celery worker and beat instead (make up).")
        if not str(port).isdigit():
            raise CommandError(f"PORT must be a number, not {port!r}.")
        start_embedded_scheduler()
        url = f"http://{host}:{port}/"
        self.stdout.write(f"\nChannel Balance is running at {url}")
        self.stdout.write(
            "  partner portal /portal/   direct sales /sales/   RevOps console /console/"
        )
        self.stdout.write("Demo logins:\nROLE  TENANT  EMAIL  PASSWORD")
        for row in demo_logins():
            self.stdout.write("  ".join(row))
        self.stdout.write("")
        call_command("runserver", f"{host}:{port}", use_reloader=False, skip_checks=True)
