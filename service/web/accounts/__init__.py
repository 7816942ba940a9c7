"""Signing in, each person's account page, and the admin's pages for people.

PAGES are registered on the app in this order; API blueprints are nested in the API blueprint."""
from service.web.accounts import admin
from service.web.accounts import pages

PAGES = (pages.bp, admin.bp)
API = ()
