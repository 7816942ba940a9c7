"""The auditor's pages.

PAGES are registered on the app in this order; API blueprints are nested in the API blueprint."""
from service.web.audit import pages

PAGES = (pages.bp,)
API = ()
