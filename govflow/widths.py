"""How long each stored name may be: the widths of the database's text columns.

PostgreSQL refuses a value longer than its ``varchar`` column and fails the whole
transaction; SQLite keeps it. So the checks in front of the store (the engine's door, the
workflow loader, the grid and party checks) hold every name to these widths, on every store,
and say so before anything is written. ``tests/test_widths.py`` keeps them in step with
:mod:`govflow.store.tables`.
"""

from __future__ import annotations

#: a grid code (a cell, a node, a case's owner) or a case id
CODE = 32
#: a name: a workflow, state, trigger, role list, actor or person id, a category, a source,
#: a message's recipient
NAME = 100
#: a message's kind
KIND = 32
#: a party organisation's code or a household's id
ORG = 64
#: a human name, an address or a contact
TITLE = 200
