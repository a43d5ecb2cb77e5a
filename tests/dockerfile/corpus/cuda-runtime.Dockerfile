# An image in the style of NVIDIA's own (gitlab.com/nvidia/container-images/cuda dist/ Dockerfiles).
ARG IMAGE_NAME=nvidia/cuda
FROM ${IMAGE_NAME}:12.4.1-base-ubuntu22.04 AS base

ENV NV_CUDA_LIB_VERSION=12.4.1-1
ENV NV_NVTX_VERSION=12.4.127-1
ENV CUDA_VERSION=12.4.1

FROM base AS base-amd64
ENV NV_CUDNN_VERSION=9.1.0.70-1
RUN apt-get update && apt-get install -y --no-install-recommends \
    cuda-libraries-12-4=${NV_CUDA_LIB_VERSION} \
    cuda-nvtx-12-4=${NV_NVTX_VERSION} \
    libcudnn9-cuda-12=${NV_CUDNN_VERSION} \
    && rm -rf /var/lib/apt/lists/*

FROM base-amd64
RUN apt-get update && apt-get install -y --no-install-recommends \
        libnccl2 \
        libnccl-dev \
    && apt-mark hold libnccl2 \
    && rm -rf /var/lib/apt/lists/*
LABEL maintainer="NVIDIA CORPORATION <cudatools@nvidia.com>"
