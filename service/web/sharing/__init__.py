"""External sharing: the partners' public link pages, requests, the partner register, and the API.

PAGES are registered on the app in this order; API blueprints are registered under the API prefix, /api/v1."""
from service.web.sharing import api
from service.web.sharing import pages
from service.web.sharing import partners
from service.web.sharing import public

PAGES = (public.bp, pages.bp, partners.bp)
API = (api.bp,)
