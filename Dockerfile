# The chat server. The widget is built in a Node stage and shipped as static files.
FROM node:20-slim AS widget
WORKDIR /src/widgets
COPY widgets/package.json widgets/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY widgets/ ./
RUN mkdir -p /src/livechat/static && npm run build

FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY livechat/ livechat/
COPY crm_sync/ crm_sync/
COPY bot/__init__.py bot/client.py bot/replies.py bot/
COPY --from=widget /src/livechat/static/widget/ livechat/static/widget/
RUN pip install --no-cache-dir .
ENV LIVECHAT_HOST=0.0.0.0 LIVECHAT_LOG_JSON=true
EXPOSE 8080
CMD ["sh", "-c", "livechat db upgrade && livechat seed-demo && livechat serve"]
