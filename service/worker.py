"""Celery entry point: ``celery -A newsdesk.worker worker``."""
from newsdesk.app import create_app

celery = create_app(role="worker").extensions["celery"]
