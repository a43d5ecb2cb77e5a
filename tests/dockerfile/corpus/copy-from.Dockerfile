# COPY --from: an earlier stage, a later one, a misspelt one, an index, images
FROM golang:1.22-bookworm AS first
FROM debian:bookworm-20240311
COPY --from=runtime /a /a
COPY --from=frist /b /b
COPY --from=0 /c /c
COPY --from=nginx:1.25 /d /d
COPY --from=nginx /e /e
COPY --from=first /f /f
FROM debian:bookworm-20240311 AS runtime
