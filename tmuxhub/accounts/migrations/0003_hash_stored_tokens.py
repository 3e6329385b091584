"""Rows written before tokens were stored hashed: keep only their checksums, drop GitHub tokens.

DOT looks tokens up by `token_checksum` (SHA-256), which every row already has, so blanking the
`token` column keeps every live token working while a copy of the database no longer holds one.
social-auth kept each person's GitHub access token; tmuxhub never uses it after login.
"""

import hashlib

from django.db import migrations


def redact(apps, schema_editor):
    for model_name in ("AccessToken", "RefreshToken"):
        model = apps.get_model("oauth2_provider", model_name)
        for row in model.objects.exclude(token="").only("pk", "token", "token_checksum"):
            checksum = row.token_checksum or hashlib.sha256(row.token.encode()).hexdigest()
            model.objects.filter(pk=row.pk).update(token="", token_checksum=checksum)
    social_auth = apps.get_model("social_django", "UserSocialAuth")
    for row in social_auth.objects.all().only("pk", "extra_data"):
        if isinstance(row.extra_data, dict) and "access_token" in row.extra_data:
            extra = {k: v for k, v in row.extra_data.items() if k not in ("access_token", "token_type")}
            social_auth.objects.filter(pk=row.pk).update(extra_data=extra)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_allow_list_user"),
        ("oauth2_provider", "0022_refreshtoken_token_family_index"),
        ("social_django", "0022_nonce_timestamp_index"),
    ]

    operations = [migrations.RunPython(redact, migrations.RunPython.noop)]
