"""Notices: the person's page (/notices) and the API (/api/v1/notices)."""
from service.web.notices import api
from service.web.notices import pages

PAGES = (pages.bp,)
API = (api.bp,)
