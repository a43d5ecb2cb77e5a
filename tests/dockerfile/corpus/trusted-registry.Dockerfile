# linted with --trusted-registry nvcr.io --trusted-registry *.example.com:8443 (both tools)
FROM nvcr.io/nvidia/pytorch:24.01-py3 AS train
FROM ubuntu:22.04
FROM docker.io/library/debian:12
FROM registry.example.com:8443/ml/cuda-base:12.4
FROM train
FROM scratch
FROM gcr.io/distroless/base:nonroot
