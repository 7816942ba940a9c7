"""The dashboard page and API.

PAGES are registered on the app in this order; API blueprints are registered under the API prefix, /api/v1."""
from service.web.dashboard import api
from service.web.dashboard import pages

PAGES = (pages.bp,)
API = (api.bp,)
