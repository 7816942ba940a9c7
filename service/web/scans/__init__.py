"""Scans: the inbox and imports, separator sheets, and their API.

PAGES are registered on the app in this order; API blueprints are registered under the API prefix, /api/v1."""
from service.web.scans import api
from service.web.scans import pages
from service.web.scans import separators

PAGES = (pages.bp, separators.bp)
API = (api.bp,)
