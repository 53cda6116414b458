"""WSGI entry point: ``flask --app app run`` or ``gunicorn app:app``."""
from khuyenhoc_docs import create_app

app = create_app()
