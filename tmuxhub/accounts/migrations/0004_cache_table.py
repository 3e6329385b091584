"""The database cache's table (embedded mode, no Redis), so `manage.py migrate` alone leaves a hub
that any ASGI server can run: `/register`'s per-IP limit and `capture_since` use the cache."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # Creates the table of every DatabaseCache in CACHES, skipping one that exists; none with Redis.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_hash_stored_tokens")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
