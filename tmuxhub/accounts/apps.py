from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tmuxhub.accounts"
    label = "accounts"
    verbose_name = "People and OAuth"
