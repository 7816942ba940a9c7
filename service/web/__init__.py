"""Flask entrypoints: pages, the JSON API, health and the error mapping."""
