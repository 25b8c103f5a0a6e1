# syntax=docker/dockerfile:1
# Build: docker build -t mutual .
# Run:   docker run -e MUTUAL_DATABASE_URL=postgresql://... -p 8000:8000 mutual
# Migrations are applied on start by `mutual serve`; `mutual db upgrade` applies them alone.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/mutual
# Dependencies first, so that code changes do not rebuild this layer.
COPY pyproject.toml README.md ./
COPY migrations ./migrations
RUN mkdir -p src/mutual && touch src/mutual/__init__.py \
    && /opt/mutual/bin/pip install . \
    && /opt/mutual/bin/pip uninstall -y mutual
COPY src ./src
RUN /opt/mutual/bin/pip install --no-deps . \
    && /opt/mutual/bin/python -m compileall -q /opt/mutual

FROM python:3.11-slim AS runtime
RUN useradd --system --create-home --uid 10001 mutual
COPY --from=build /opt/mutual /opt/mutual
ENV PATH=/opt/mutual/bin:$PATH \
    MUTUAL_HOST=0.0.0.0 \
    MUTUAL_DATA_DIR=/var/lib/mutual \
    PYTHONUNBUFFERED=1
RUN mkdir -p /var/lib/mutual && chown mutual /var/lib/mutual
USER mutual
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=4)"
CMD ["mutual", "serve"]
