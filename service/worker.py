"""Celery entry point: ``celery -A service.worker worker``."""
from service.app import create_app

celery = create_app(role="worker").extensions["celery"]
