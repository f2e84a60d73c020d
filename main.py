"""Cloud Run entry point: ``gunicorn --workers 1 --threads 8 --timeout 0 main:app``."""

from service.api import create_app

app = create_app()
