"""The web layer: Flask app factory, blueprints, JSON API, Jinja templates, CLI. Thin: a view parses the
request, asks `access` for the principal, calls one workflow function and renders; nothing here queries
or commits."""
