# cloudtwin as a container image: one static binary on an empty base. The binary is built on the
# host first (scripts/build-image.sh: a static release build, stripped to target/image/cloudtwin),
# so this file has no RUN step. docs/container.md has the
# details: running it, Testcontainers, GitHub Actions service containers, compose.
FROM scratch

COPY target/image/cloudtwin /cloudtwin
# A writable /tmp for `--tls self-signed` (its CA goes to /tmp/cloudtwin-ca-<port>.pem).
COPY --chown=65532:65532 docker/tmp/ /tmp/

# Not root: no file in the image needs more.
USER 65532:65532

# Every surface on one port, on all interfaces of the container. The Host check is opened for the
# names a container is reached by (port mapping, service names); the control plane warns at start
# unless CLOUDTWIN_CONTROL_TOKEN is set. Logs are JSON-ready: set CLOUDTWIN_LOG_FORMAT=json.
# The glibc allocator settings `serve` would otherwise restart itself to get (src/malloc_settings.rs).
ENV CLOUDTWIN_LISTEN=0.0.0.0:4599 \
    CLOUDTWIN_ALLOW_HOST=* \
    CLOUDTWIN_LOG=info \
    GLIBC_TUNABLES=glibc.malloc.tcache_count=1000:glibc.malloc.mmap_threshold=4194304
EXPOSE 4599

# There is no curl on scratch: the binary checks itself (GET /_cloudtwin/health on CLOUDTWIN_LISTEN).
HEALTHCHECK --interval=5s --timeout=3s --start-period=2s --retries=3 CMD ["/cloudtwin", "health"]

# SIGTERM (docker stop) finishes requests in flight and exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/cloudtwin"]
CMD ["serve"]
