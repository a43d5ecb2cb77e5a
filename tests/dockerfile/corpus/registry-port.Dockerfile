FROM registry.example.com:8443/ml/cuda-base:12.4 AS b
FROM registry.example.com:8443/ml/cuda-base@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef AS c
FROM --platform=$BUILDPLATFORM docker.io/library/python:3.12-slim@sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210
FROM localhost:5000/tools
