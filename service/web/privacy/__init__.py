"""Personal information: pages and API.

PAGES are registered on the app in this order; API blueprints are registered under the API prefix, /api/v1."""
from service.web.privacy import api
from service.web.privacy import pages

PAGES = (pages.bp,)
API = (api.bp,)
