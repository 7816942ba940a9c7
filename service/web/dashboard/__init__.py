"""The dashboard page and API.

PAGES are registered on the app in this order; API blueprints are nested in the API blueprint."""
from service.web.dashboard import api
from service.web.dashboard import pages

PAGES = (pages.bp,)
API = (api.bp,)
