"""BagIt export and import pages.

PAGES are registered on the app in this order; API blueprints are nested in the API blueprint."""
from service.web.backup import bags

PAGES = (bags.bp,)
API = ()
