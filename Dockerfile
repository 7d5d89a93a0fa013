# One image for web, worker and beat (docker-compose.yml). Configuration comes from the
# environment at run time (README.md); nothing secret is baked in.

# --- The source, without local state (virtualenv, SQLite database, generated key, git) ----------
FROM python:3.11-slim AS source
WORKDIR /src
COPY . .
RUN rm -rf .venv var .git .ci .ruff_cache .import_linter_cache .pytest_cache \
    && find . -name __pycache__ -prune -exec rm -rf {} +

# --- The image ---------------------------------------------------------------------------------
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    VAR_DIR=/app/var

WORKDIR /app

# Dependencies first, so a code change does not reinstall them. The project installs no packages
# of its own ([tool.setuptools] packages = []): `pip install .` brings its dependencies.
COPY pyproject.toml ./
RUN pip install ".[s3]"

COPY --from=source /src /app

# Static files are collected at build time (STATIC_ROOT is $VAR_DIR/static) and served by
# WhiteNoise. Settings only need to load: this database is never connected to.
RUN DATABASE_URL=postgres://build@127.0.0.1:1/build \
    SECRET_KEY=build-time-only-not-a-secret \
    python manage.py collectstatic --no-input -v 0

# The code stays root-owned and read-only for the app; $VAR_DIR is writable for embedded runs.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin app \
    && chown app:app /app/var
USER app

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]
