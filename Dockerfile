# huashu service: FastAPI + uvicorn with the Whisper base model inside the image.
#   docker build -t huashu .
#   docker run -p 8000:8000 -v huashu-data:/data huashu
#   docker exec <container> huashu keys create --name ops --scopes check,upload,review,admin
# Settings come from HUASHU_* variables (huashu/config.py); set HUASHU_DATABASE_URL for
# PostgreSQL. The process runs as the unprivileged user "huashu".
FROM python:3.11-slim-bookworm AS build

ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies first (the model packages are the big layer), then the code.
COPY pyproject.toml README.md ./
COPY analyzer ./analyzer
COPY phrasebank ./phrasebank
COPY models ./models
COPY api ./api
COPY batch ./batch
COPY huashu ./huashu
RUN pip install . && pip install --no-deps Resemblyzer==0.1.4

FROM python:3.11-slim-bookworm

# libgomp1: OpenMP for CTranslate2 (PyAV's wheel brings its own FFmpeg libraries).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /home/huashu --uid 10001 huashu \
 && mkdir -p /data /opt/huashu/models \
 && chown huashu:huashu /data /opt/huashu/models

COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HUASHU_DATA_DIR=/data \
    HUASHU_MODEL_CACHE_DIR=/opt/huashu/models

USER huashu
# Join and verify the packaged model once, and let jieba build its dictionary cache, at
# build time, so that a container starts without writing either.
RUN python -c "from models import ModelSpec, resolve_model; print(resolve_model(ModelSpec(cache_dir='/opt/huashu/models')).path)" \
 && python -c "from analyzer import Analyzer; Analyzer.load()"

VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"
CMD ["huashu", "serve", "--host", "0.0.0.0", "--port", "8000"]
