FROM golang:1.22-bookworm AS builder
WORKDIR /src
COPY . .
RUN go build -o /out/app ./cmd/app

# "runtime" is defined below: here it is an image from Docker Hub.
FROM runtime AS test
RUN /out/app --self-test

# A typo of "builder".
FROM buidler AS debug

FROM debian:bookworm-slim AS runtime
COPY --from=builder /out/app /usr/local/bin/app
ENTRYPOINT ["/usr/local/bin/app"]

FROM runtime
FROM scratch AS empty
FROM ubuntu:latest
FROM alpine
