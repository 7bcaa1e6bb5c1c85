# chmcp container image: the static chmcp binary (CGO off) on an empty base,
# run as a non-root user (65532). No shell, no package manager, nothing else
# but the CA bundle for TLS to ClickHouse and the OpenID provider.
#
# Build it with `make image`: it builds the binary for linux/$IMAGE_ARCH and
# copies the build machine's CA bundle into the build context (bin/image/),
# then runs buildah offline (FROM scratch needs no registry) and writes the
# OCI archive bin/chmcp-image.tar (`podman load -i` / `docker load -i`).
#
# Probes (HTTP, port 8080):
#   liveness   GET /livez   the process serves HTTP; does not touch ClickHouse
#   readiness  GET /health  a query on ClickHouse succeeded; 503 with the reason otherwise
#
# Configure it with environment variables (CLICKHOUSE_HOST, ...) or a config
# file (--config); see docs/configuration.md. The default command serves MCP
# over HTTP on 0.0.0.0:8080; arguments given to `run` replace it.
FROM scratch

ARG TARGETARCH
ARG VERSION=dev
ARG COMMIT=unknown
ARG DATE=unknown

COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY linux-${TARGETARCH}/chmcp /chmcp

USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/chmcp"]
CMD ["--transport", "http", "--address", "0.0.0.0", "--port", "8080"]

LABEL org.opencontainers.image.title="chmcp" \
      org.opencontainers.image.description="MCP server for ClickHouse: AI assistants query ClickHouse as the person who asked" \
      org.opencontainers.image.source="https://github.com/chmcp/chmcp" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}" \
      org.opencontainers.image.created="${DATE}"
