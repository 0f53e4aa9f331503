# Backflow: one container running the daemon. Build: docker build -t backflow .
# The install steps are the ones `make test` proves: the same requirements.lock as pip constraints.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml requirements.lock README.md ./
COPY src ./src
COPY tui ./tui
RUN python -m venv /opt/backflow \
 && /opt/backflow/bin/python -m pip install --upgrade pip \
 && /opt/backflow/bin/python -m pip install -c requirements.lock .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 backflow && mkdir -p /data && chown backflow /data
COPY --from=build /opt/backflow /opt/backflow
ENV PATH=/opt/backflow/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    BACKFLOW_DB=/data/backflow.sqlite3 \
    BACKFLOW_HTTP_HOST=0.0.0.0 \
    BACKFLOW_HTTP_PORT=8080
VOLUME ["/data"]
USER backflow
WORKDIR /home/backflow
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os,urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('BACKFLOW_HTTP_PORT', '8080'), timeout=2)"]
STOPSIGNAL SIGTERM
CMD ["backflow", "run"]
