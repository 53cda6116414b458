"""Objects Alembic's autogenerate must leave alone."""


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """The search index is managed by khuyenhoc_docs.search.schema, not by the models."""
    return not (type_ == "table" and name and name.startswith("search_"))
