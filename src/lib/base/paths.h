/* The well-known paths cuvet reads, all relative to the probed root. */
#ifndef CUVET_PATHS_H
#define CUVET_PATHS_H

#define CUVET_PROC_DRIVER_VERSION "/proc/driver/nvidia/version"
#define CUVET_PROC_DRIVER_GPUS    "/proc/driver/nvidia/gpus"
#define CUVET_SYS_PCI_DEVICES     "/sys/bus/pci/devices"
#define CUVET_LD_SO_CACHE         "/etc/ld.so.cache"
#define CUVET_LD_SO_CONF          "/etc/ld.so.conf"
#define CUVET_DPKG_STATUS         "/var/lib/dpkg/status"
#define CUVET_OS_RELEASE          "/etc/os-release"
#define CUVET_OS_RELEASE_ALT      "/usr/lib/os-release"
#define CUVET_USR_LOCAL           "/usr/local"
#define CUVET_DOCKERENV           "/.dockerenv"
#define CUVET_CONTAINERENV        "/run/.containerenv"
#define CUVET_PROC_1_CGROUP       "/proc/1/cgroup"
#define CUVET_K8S_SA_TOKEN        "/var/run/secrets/kubernetes.io"

#endif
