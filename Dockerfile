# The terminal view's library (bridge/app_view.py checks its hash): the pinned npm package's one built file.
FROM node:20-slim AS terminal-view
RUN npm install --prefix /opt/ext-apps --no-audit --no-fund --legacy-peer-deps @modelcontextprotocol/ext-apps@2.0.4

# One image for web, worker and beat.
FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends tmux openssh-client curl postgresql-client \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml requirements.lock README.md ./
COPY tmuxhub ./tmuxhub
COPY bridge ./bridge
COPY abuse ./abuse
RUN pip install --no-cache-dir -c requirements.lock .
COPY . .
COPY --from=terminal-view /opt/ext-apps/node_modules/@modelcontextprotocol/ext-apps/dist/src/app-with-deps.js \
    /opt/ext-apps/node_modules/@modelcontextprotocol/ext-apps/LICENSE /opt/ext-apps/
ENV TMUXHUB_VIEW_SCRIPT=/opt/ext-apps/app-with-deps.js
# Django's start makes its data folder: a throw-away one here, so /app/data stays empty and the user's.
RUN SECRET_KEY=build-only TMUXHUB_DATA_DIR=/tmp/build-data python manage.py collectstatic --noinput \
    && rm -rf /tmp/build-data
RUN useradd --create-home tmuxhub && mkdir -p /app/data && chown tmuxhub /app/data
USER tmuxhub
EXPOSE 8000
CMD ["tmuxhub", "serve", "--host", "0.0.0.0", "--no-worker"]
