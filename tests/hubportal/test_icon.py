"""Every page, the portal's and the admin's, names the portal's icon; browsers stop asking for a
/favicon.ico that is not there."""

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/admin/login/", "/verify/not-a-code/"])
def test_pages_link_the_portal_icon_which_is_a_static_file(client, path):
    page = client.get(path).content.decode()

    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert icon, f"{path} names no icon"
    assert icon.group(1).startswith("/static/") and icon.group(1).endswith(".svg")
    assert finders.find("favicon.svg")


def test_admin_pages_keep_their_title_and_branding(staff_client):
    page = staff_client.get("/admin/").content.decode()

    assert 'rel="icon"' in page
    assert 'id="site-name"' in page
