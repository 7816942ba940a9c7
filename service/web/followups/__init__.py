"""Follow-ups: my follow-ups, the managers' pages, and the API.

PAGES are registered on the app in this order; API blueprints are registered under the API prefix, /api/v1."""
from service.web.followups import admin
from service.web.followups import api
from service.web.followups import pages

PAGES = (pages.bp, admin.bp)
API = (api.bp,)
