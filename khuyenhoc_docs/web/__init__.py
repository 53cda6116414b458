"""The web layer: Flask app factory, blueprints, JSON API, Jinja templates."""
