"""The auditor's pages.

PAGES are registered on the app in this order; API blueprints are registered under the API prefix, /api/v1."""
from service.web.audit import pages

PAGES = (pages.bp,)
API = ()
