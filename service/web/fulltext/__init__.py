"""Search: the page and the API.

PAGES are registered on the app in this order; API blueprints are nested in the API blueprint."""
from service.web.fulltext import api
from service.web.fulltext import pages

PAGES = (pages.bp,)
API = (api.bp,)
