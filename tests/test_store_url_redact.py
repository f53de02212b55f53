"""redact(): no password of a store URL reaches a message, whatever it contains."""

from __future__ import annotations

import pytest

from govflow.store.url import redact


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql://db/x?sslpassword=k3y&password=hunter2",
     "postgresql://db/x?sslpassword=***&password=***"),
    ("postgresql://db/x?SSLPASSWORD=k3y", "postgresql://db/x?SSLPASSWORD=***"),
    ("host=db sslpassword=k3y password='a b' user=gov",
     "host=db sslpassword=*** password=*** user=gov"),
    ("cannot open postgresql://db/x?password=hunter2: connection refused",
     "cannot open postgresql://db/x?password=***: connection refused"),
    ("postgresql://db/x?password=a:b&user=gov", "postgresql://db/x?password=***&user=gov"),
])
def test_every_password_query_value_is_hidden(url: str, shown: str) -> None:
    """password= and *password= values are masked; the ': ' after the URL is kept."""
    assert redact(url) == shown


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql://gov:p@ss@db:5432/x", "postgresql://gov:***@db:5432/x"),
    ("postgresql://gov:a@b@c@db/x", "postgresql://gov:***@db/x"),
    ("postgresql://gov:pa/ss@db/x", "postgresql://gov:***@db/x"),
    ("postgresql://gov:pa?ss#w@rd@db/x", "postgresql://gov:***@db/x"),
    ("postgresql://gov:p@ss@db", "postgresql://gov:***@db"),
    ("postgresql://gov:pw@[::1]:5432/x", "postgresql://gov:***@[::1]:5432/x"),
    ("failed: postgresql://gov:Top@Secret@127.0.0.1:1/test: refused (ask admin@corp)",
     "failed: postgresql://gov:***@127.0.0.1:1/test: refused (ask admin@corp)"),
    ("postgresql://gov@db/x", "postgresql://gov@db/x"),
    ("sqlite:///govflow.db", "sqlite:///govflow.db"),
])
def test_the_whole_userinfo_password_is_hidden(url: str, shown: str) -> None:
    """The password runs to the last '@' before the host, even with '@', '/', '?' in it."""
    assert redact(url) == shown


def test_an_at_sign_in_the_query_masks_too_much_never_too_little() -> None:
    """With '@' in the query the host may be hidden too, but never the password shown."""
    shown = redact("postgresql://gov:p@ss@db/x?application_name=me@home")
    assert "p@ss" not in shown and "ss@db" not in shown and "***" in shown
