"""Workflow rooms, plain Python over sessions; each function checks access through ``access`` and owns its
transaction. documents (load, list, download, versions, lock), drafting, submission, signing (one signing
routine for chairs and reports), distribution, cascade, reports; objects (store writes) and template_store."""
