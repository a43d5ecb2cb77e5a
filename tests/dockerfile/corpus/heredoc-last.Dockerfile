# hadolint 2.15 parses a heredoc only as the last instruction
FROM ubuntu:22.04
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates=20230311ubuntu0.22.04.1
RUN <<EOF
set -e
apt-get install -y curl jq=1.6-2.1ubuntu3
pip install requests
EOF
