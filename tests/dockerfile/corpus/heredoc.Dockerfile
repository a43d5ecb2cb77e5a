# syntax=docker/dockerfile:1.4
FROM ubuntu:22.04
RUN <<EOF
set -e
apt-get update
apt-get install -y curl=7.81.0-1ubuntu1.16 jq
EOF
RUN <<-"SCRIPT" bash
	pip install requests
	SCRIPT
COPY <<EOF /etc/app.conf
FROM not-an-instruction
RUN not a command either
EOF
RUN apt-get install -y --no-install-recommends wget
