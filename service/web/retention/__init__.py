"""Retention and destruction: pages and API.

PAGES are registered on the app in this order; API blueprints are nested in the API blueprint."""
from service.web.retention import api
from service.web.retention import destruction_api
from service.web.retention import destruction_pages
from service.web.retention import pages

PAGES = (pages.bp, destruction_pages.bp)
API = (api.bp, destruction_api.bp)
