"""Helpers every part of tmuxhub may use, and that use none of its apps: ANSI to HTML (`ansi`), human
numbers and times (`humanize`), the rate limiter's address key (`netkey`), pinned npm installs
(`npm`) and the Redis client (`redis`). The bottom layer of the import contracts."""
