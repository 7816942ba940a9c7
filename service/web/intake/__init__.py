"""Intake review (the register first: /intake/register over /intake/<id>) and periodic verification.

PAGES are registered on the app in this order; API blueprints are registered under the API prefix, /api/v1."""
from service.web.intake import api
from service.web.intake import pages
from service.web.intake import register
from service.web.intake import verification

PAGES = (register.bp, pages.bp, verification.bp)
API = (api.bp,)
