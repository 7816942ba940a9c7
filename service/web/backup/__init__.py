"""BagIt export and import pages.

PAGES are registered on the app in this order; API blueprints are registered under the API prefix, /api/v1."""
from service.web.backup import bags

PAGES = (bags.bp,)
API = ()
