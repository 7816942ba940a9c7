"""Fill English translations into the catalog from a JSON object {msgid: translation} on stdin; a message
with a context (pgettext) is keyed "context::msgid"."""
import json
import sys

from babel.messages.pofile import read_po
from babel.messages.pofile import write_po

PATH = "service/translations/en/LC_MESSAGES/messages.po"

with open(PATH, "rb") as f:
    catalog = read_po(f)
for key, text in json.load(sys.stdin).items():
    context, _, msgid = key.rpartition("::")
    message = catalog.get(msgid, context=context or None)
    if message is not None:
        message.string = text
        message.flags.discard("fuzzy")
with open(PATH, "wb") as f:
    write_po(f, catalog, width=0, omit_header=False)
