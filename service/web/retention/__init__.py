"""Retention and destruction: pages and API.

PAGES are registered on the app in this order; API blueprints are registered under the API prefix, /api/v1."""
from service.web.retention import api
from service.web.retention import destruction_api
from service.web.retention import destruction_pages
from service.web.retention import pages

PAGES = (pages.bp, destruction_pages.bp)
API = (api.bp, destruction_api.bp)
