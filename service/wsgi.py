"""WSGI entry point: ``gunicorn newsdesk.wsgi:app``."""
from newsdesk.app import create_app

app = create_app()
