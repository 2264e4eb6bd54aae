"""Helpers the desk's page tests share (they also mark themselves ``usefixtures("korean")``)."""

from html import unescape

from tests.requests_desk.desk_support import member_of


def text(response) -> str:
    """The page as the reader sees it, entities decoded."""
    return unescape(response.content.decode())


def signed_in_member(client, username: str):
    """A desk member of Network Support (Infrastructure HO), signed in on ``client``."""
    user = member_of("net-support", username)
    client.force_login(user)
    return user
