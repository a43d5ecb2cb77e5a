# hadolint 2.15 cannot parse a registry with a port followed by a tag (localhost:5000/x:tag)
FROM localhost:5000/team/base:latest AS a
RUN pip install torch
