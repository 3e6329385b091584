"""One way to write a moment on every page, the model admins' columns included: "7 Dec 2026, 20:41 UTC"
(`tmuxhub.lib.humanize.when` writes the same). Django's English formats otherwise mix
"Dec. 7, 2026, 8:41 p.m." with the pages' own, some without a time zone."""

DATETIME_FORMAT = "j M Y, H:i T"
SHORT_DATETIME_FORMAT = "j M Y, H:i T"
DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i:s T"
