# graphsvc service image (docker-compose.yml runs it against Neo4j).

# Build stage: the wheel carries the package with its named queries (graphsvc/queries
# links to queries/), templates, static files and legal texts.
FROM python:3.11-slim AS wheel
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml ./
COPY graphsvc ./graphsvc
COPY loaders ./loaders
COPY viz ./viz
COPY queries ./queries
RUN pip wheel --no-deps --wheel-dir /wheels .

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WenQuanYi Zen Hei: Chinese glyphs in PDF case reports (TrueType, embeddable).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-zenhei \
    && rm -rf /var/lib/apt/lists/*

# An ordinary install from the wheel: no source tree in the image.
COPY --from=wheel /wheels /wheels
RUN pip install /wheels/*.whl \
    && rm -rf /wheels \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/graphsvc --create-home graphsvc

USER graphsvc
ENV GRAPHSVC_DATA_DIR=/var/lib/graphsvc \
    GRAPHSVC_HOST=0.0.0.0
VOLUME ["/var/lib/graphsvc"]
EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=10s --start-period=30s --retries=5 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=5)"]

CMD ["graphsvc", "serve", "--host", "0.0.0.0"]
