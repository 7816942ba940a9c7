"""Fill English translations into the catalog from a JSON object {msgid: translation} on stdin."""
import json
import sys

from babel.messages.pofile import read_po
from babel.messages.pofile import write_po

PATH = "service/translations/en/LC_MESSAGES/messages.po"

with open(PATH, "rb") as f:
    catalog = read_po(f)
for msgid, text in json.load(sys.stdin).items():
    if msgid in catalog:
        catalog[msgid].string = text
        catalog[msgid].flags.discard("fuzzy")
with open(PATH, "wb") as f:
    write_po(f, catalog, width=0, omit_header=False)
