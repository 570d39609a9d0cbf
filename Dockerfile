# syntax=docker/dockerfile:1
# Multi-stage build: compile docclass in the Rust image (protos are compiled by protox, so no
# protoc is needed), then copy the binary and the shipped models into a slim Debian runtime.
#
#   docker build -t docclass:0.1.0 .
#   docker run --rm -p 50051:50051 -p 9464:9464 docclass:0.1.0

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# The context is filtered by .dockerignore (sources, protos, models; no target/).
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin docclass \
    && cp target/release/docclass /usr/local/bin/docclass \
    && strip /usr/local/bin/docclass

FROM debian:bookworm-slim AS runtime
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin docclass
COPY --from=build /usr/local/bin/docclass /usr/local/bin/docclass
COPY --chown=root:root models /models
USER 10001:10001
ENV DOCCLASS_ADDR=0.0.0.0:50051 \
    DOCCLASS_MODELS=/models \
    DOCCLASS_METRICS_ADDR=0.0.0.0:9464 \
    DOCCLASS_LOG_FORMAT=json
# gRPC (DocumentService, grpc.health.v1.Health, reflection) and Prometheus /metrics.
EXPOSE 50051 9464
ENTRYPOINT ["/usr/local/bin/docclass"]
CMD ["serve"]
