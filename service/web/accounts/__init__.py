"""Signing in, each person's account page, and the admin's pages for people.

PAGES are registered on the app in this order; API blueprints are registered under the API prefix, /api/v1."""
from service.web.accounts import admin
from service.web.accounts import pages

PAGES = (pages.bp, admin.bp)
API = ()
