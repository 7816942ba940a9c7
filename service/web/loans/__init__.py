"""Loans: the desk (first: its fixed paths win over /loans/<id>/<step>), the loan pages, handovers, and the API.

PAGES are registered on the app in this order; API blueprints are registered under the API prefix, /api/v1."""
from service.web.loans import api
from service.web.loans import desk
from service.web.loans import handover
from service.web.loans import pages

PAGES = (desk.bp, pages.bp, handover.bp)
API = (api.bp,)
