"""The customer-records archive: web, API, CLI and worker over the domain services."""
