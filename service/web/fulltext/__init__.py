"""Search: the page and the API.

PAGES are registered on the app in this order; API blueprints are registered under the API prefix, /api/v1."""
from service.web.fulltext import api
from service.web.fulltext import pages

PAGES = (pages.bp,)
API = (api.bp,)
