# One image for web, worker and beat.
FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends tmux openssh-client curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml requirements.lock README.md ./
COPY tmuxhub ./tmuxhub
COPY bridge ./bridge
COPY abuse ./abuse
RUN pip install --no-cache-dir -c requirements.lock .
COPY . .
# Django's start makes its data folder: a throw-away one here, so /app/data stays empty and the user's.
RUN SECRET_KEY=build-only TMUXHUB_DATA_DIR=/tmp/build-data python manage.py collectstatic --noinput \
    && rm -rf /tmp/build-data
RUN useradd --create-home tmuxhub && mkdir -p /app/data && chown tmuxhub /app/data
USER tmuxhub
EXPOSE 8000
CMD ["tmuxhub", "serve", "--host", "0.0.0.0", "--no-worker"]
