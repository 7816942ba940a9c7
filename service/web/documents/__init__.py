"""Documents: fixity, the viewer and uploads, document types, and their API.

PAGES are registered on the app in this order; API blueprints are registered under the API prefix, /api/v1."""
from service.web.documents import api
from service.web.documents import fixity
from service.web.documents import pages
from service.web.documents import types

PAGES = (fixity.bp, pages.bp, types.bp)
API = (api.bp,)
