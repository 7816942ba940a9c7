"""Customer files: pages, the file's actions, spreadsheet imports, and their API.

PAGES are registered on the app in this order; API blueprints are registered under the API prefix, /api/v1."""
from service.web.files import actions
from service.web.files import api
from service.web.files import corrections_api
from service.web.files import imports
from service.web.files import pages
from service.web.files import templates_api

PAGES = (pages.bp, imports.bp, actions.bp)
API = (api.bp, corrections_api.bp, templates_api.bp)
