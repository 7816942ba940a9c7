"""Personal information: pages and API.

PAGES are registered on the app in this order; API blueprints are nested in the API blueprint."""
from service.web.privacy import api
from service.web.privacy import pages

PAGES = (pages.bp,)
API = (api.bp,)
