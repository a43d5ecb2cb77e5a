FROM nvidia/cuda:12.4.1-devel-ubuntu22.04
# The tag says 12.4.1; this ENV says otherwise (a copy-paste from an older file).
ENV CUDA_VERSION=12.2 \
    PATH=/usr/local/cuda/bin:$PATH
RUN apt-get update && apt-get install -y python3-pip=22.0.2+dfsg-1ubuntu0.4
