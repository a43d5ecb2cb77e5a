FROM debian:bookworm-20240311
ADD https://github.com/krallin/tini/releases/download/v0.19.0/tini /tini
ADD --checksum=sha256:93dcc18adc78c65a028a84799ecf8ad40c936fdfc5f2a57b1acda5a8117fa82c https://github.com/krallin/tini/releases/download/v0.19.0/tini /tini2
ADD rootfs.tar.gz /
ADD config/ /etc/app/
ADD ["start.sh", "/usr/local/bin/"]
COPY --chmod=755 entry.sh /
RUN apt-get -y install --no-install-recommends ca-certificates && \
    pip3 install --upgrade pip setuptools==69.1.1
