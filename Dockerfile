# syntax=docker/dockerfile:1
# Build:   docker build -t mutual .
# Migrate: docker run --rm -e MUTUAL_DATABASE_URL=postgresql://... mutual mutual db upgrade
# Run:     docker run -e MUTUAL_DATABASE_URL=postgresql://... -p 8000:8000 mutual
# Migrations are an explicit step (`mutual db upgrade`, the `migrate` service of
# compose.yaml); `mutual serve` also applies any still missing when it starts.
# CI lints this file with hadolint and performs these steps as a plain install
# (tests/test_container.py), so keep RUN lines to what a plain shell can do too.

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/mutual
# Dependencies first, from pyproject.toml alone (an empty package, README, migrations
# folder and problem table stand in for the real ones), so that code changes do not
# rebuild this layer.
COPY pyproject.toml ./
RUN mkdir -p src/mutual migrations contracts \
    && touch README.md src/mutual/__init__.py contracts/problems.md \
    && /opt/mutual/bin/pip install . \
    && /opt/mutual/bin/pip uninstall -y mutual
# Then the application, byte-compiled ahead of time, since the runtime user cannot write
# .pyc files: unchecked-hash ones are used whatever times the files end up with.
COPY README.md ./
COPY migrations ./migrations
COPY contracts/problems.md ./contracts/problems.md
COPY src ./src
RUN /opt/mutual/bin/pip install --no-deps . \
    && /opt/mutual/bin/python -m compileall -q -f -j 0 --invalidation-mode unchecked-hash /opt/mutual

FROM python:3.11-slim-bookworm AS runtime
RUN groupadd --system --gid 10001 mutual \
    && useradd --system --no-log-init --uid 10001 --gid mutual --home-dir /var/lib/mutual mutual \
    && mkdir -p /var/lib/mutual \
    && chown 10001:10001 /var/lib/mutual
COPY --from=build /opt/mutual /opt/mutual
ENV PATH=/opt/mutual/bin:$PATH \
    MUTUAL_HOST=0.0.0.0 \
    MUTUAL_DATA_DIR=/var/lib/mutual \
    PYTHONUNBUFFERED=1
WORKDIR /var/lib/mutual
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/api/v1/health' % os.environ.get('MUTUAL_PORT', '8000'), timeout=4)"]
CMD ["mutual", "serve"]
