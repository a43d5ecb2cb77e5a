#!/usr/bin/env python3
"""Writes the facts files of the lock tests: a build host (base.json) and variants that each
differ from it by one component. Run from this directory; the files are committed."""
import copy, json

def lib(family, name, path, version, source="dpkg"):
    soname = name
    return {"family": family, "name": name, "path": path, "soname": soname, "version": version,
            "version_source": source, "found_via": "ld.so.cache", "default_pick": True, "cache_pick": True}

L = "/usr/lib/x86_64-linux-gnu/"
base = {
    "schema": "cuvet.facts/1", "root": "/",
    "host": {"hostname": "build-01", "os_id": "ubuntu", "os_version": "22.04", "glibc_version": "2.35", "arch": "x86_64"},
    "driver": {"present": True, "module_loaded": True, "kernel_flavour": "open", "nvml_status": 0,
               "kernel_version": "570.86.10", "cuda_driver_version": 12080, "cuda_source": "nvml"},
    "gpus": [{"index": 0, "name": "NVIDIA H100 80GB HBM3", "uuid": "GPU-11111111-2222-3333-4444-555555555555",
              "pci_device_id": "0x233010DE", "compute_capability": "9.0", "segment": "datacenter", "source": "nvml"}],
    "libraries": [
        lib("cudart", "libcudart.so.12", "/usr/local/cuda-12.8/targets/x86_64-linux/lib/libcudart.so.12", "12.8.57", "file-name"),
        lib("cublas", "libcublas.so.12", "/usr/local/cuda-12.8/targets/x86_64-linux/lib/libcublas.so.12", "12.8.3.14", "file-name"),
        lib("cublas", "libcublasLt.so.12", "/usr/local/cuda-12.8/targets/x86_64-linux/lib/libcublasLt.so.12", "12.8.3.14", "file-name"),
        lib("cudnn", "libcudnn.so.9", L + "libcudnn.so.9", "9.7.1.26", "dpkg:libcudnn9-cuda-12"),
        lib("cudnn", "libcudnn_graph.so.9", L + "libcudnn_graph.so.9", "9.7.1.26", "dpkg:libcudnn9-cuda-12"),
        lib("tensorrt", "libnvinfer.so.10", L + "libnvinfer.so.10", "10.8.0.43", "dpkg:libnvinfer10"),
        lib("tensorrt", "libnvinfer_plugin.so.10", L + "libnvinfer_plugin.so.10", "10.8.0.43", "dpkg:libnvinfer-plugin10"),
        lib("nccl", "libnccl.so.2", L + "libnccl.so.2", "2.25.1", "dpkg:libnccl2"),
    ],
}

def variant(name, change):
    d = copy.deepcopy(base)
    change(d)
    with open(name, "w") as f:
        json.dump(d, f, indent=1)
        f.write("\n")

def setlib(libname, version, source=None):
    def ch(d):
        for l in d["libraries"]:
            if l["name"].startswith(libname + ".so") or l["name"].startswith(libname + "_"):
                l["version"] = version
                if source:
                    l["version_source"] = source
    return ch

def dellib(family):
    def ch(d):
        d["libraries"] = [l for l in d["libraries"] if l["family"] != family]
    return ch

def setdrv(v):
    def ch(d):
        d["driver"]["kernel_version"] = v
    return ch

def setgpu(**kw):
    def ch(d):
        d["gpus"][0].update(kw)
    return ch

variant("base.json", lambda d: None)
variant("driver-newer.json", setdrv("575.51.03"))
variant("driver-older.json", setdrv("560.35.03"))
variant("cudnn-patch.json", setlib("libcudnn", "9.7.0.66"))
variant("tensorrt-build.json", setlib("libnvinfer", "10.8.0.40"))
variant("cudart-patch.json", setlib("libcudart", "12.8.90"))
variant("cudart-minor.json", setlib("libcudart", "12.9.37"))
variant("cublas-minor.json", setlib("libcublas", "12.9.0.13"))
variant("nccl-newer.json", setlib("libnccl", "2.26.2"))
variant("gpu-a100.json", setgpu(name="NVIDIA A100-SXM4-80GB", compute_capability="8.0", pci_device_id="0x20B210DE"))
variant("gpu-cc-unknown.json", lambda d: d["gpus"][0].pop("compute_capability"))
variant("no-gpu.json", lambda d: d.update(gpus=[]))
variant("no-driver.json", lambda d: d.update(driver={"present": False, "module_loaded": False}))
variant("cudnn-missing.json", dellib("cudnn"))
variant("cudnn-soname-only.json", setlib("libcudnn", "9", "soname"))
variant("glibc-older.json", lambda d: d["host"].update(glibc_version="2.31"))
variant("extra-cufft.json", lambda d: d["libraries"].append(
    lib("cufft", "libcufft.so.11", "/usr/local/cuda-12.8/targets/x86_64-linux/lib/libcufft.so.11", "11.3.3.41", "file-name")))
# today's fleet node, for the rollback verdicts: driver 575, cuDNN 9.10, TensorRT 10.11, H100
def today(d):
    setdrv("575.51.03")(d)
    setlib("libcudnn", "9.10.2.21")(d)
    setlib("libnvinfer", "10.11.0.33")(d)
    setlib("libcudart", "12.9.79")(d)
    setlib("libcublas", "12.9.1.4")(d)
    setlib("libnccl", "2.27.3")(d)
variant("today.json", today)
