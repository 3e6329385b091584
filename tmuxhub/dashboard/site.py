"""tmuxhub's admin site: Django's, without the navigation sidebar.

The header's links (templates/admin/base_site.html) replace the stock sidebar: the pages get the width
(a phone has none to spare) and each page two requests fewer. Installed as the default site by
`tmuxhub.apps.HubAdminConfig`, so `django.contrib.admin.site` is this one and nothing is changed at
import time.
"""

from __future__ import annotations

from django.contrib.admin import AdminSite


class HubAdminSite(AdminSite):
    enable_nav_sidebar = False
