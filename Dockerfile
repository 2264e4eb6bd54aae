# The one image web, worker and beat run from (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 CHARTER_ENV=production
WORKDIR /app

COPY pyproject.toml README.md ./
COPY charter_portal ./charter_portal
COPY commitments ./commitments
COPY requests_desk ./requests_desk
COPY notifications ./notifications
RUN pip install --no-cache-dir .

COPY . .
# collectstatic needs settings to import; the placeholders are used only for this step.
RUN SECRET_KEY=build-only-placeholder-secret-key-0123456789 \
    DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    ALLOWED_HOSTS=localhost EMAIL_HOST=localhost \
    python manage.py collectstatic --noinput

RUN useradd --system --home /app charter && mkdir -p /app/var && chown charter /app/var
USER charter
EXPOSE 8000
CMD ["gunicorn", "charter_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--worker-class", "gthread", "--threads", "8"]
