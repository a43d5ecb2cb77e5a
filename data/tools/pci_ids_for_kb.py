#!/usr/bin/env python3
"""Derives the pci_device_ids column of data/gpu-compute-capability.tsv from a pci.ids file.

Usage: pci_ids_for_kb.py PCI_IDS [TSV]
  PCI_IDS  the PCI ID Repository file (Debian package pci.ids: /usr/share/misc/pci.ids, or
           pci.ids from github.com/pciutils/pciids); vendor 10de is read.
  TSV      the table (default: data/gpu-compute-capability.tsv next to this script); with
           --write it is rewritten in place, otherwise the derived cells are printed for review.

Each table row (by its model cell) has rules: a chip pattern and a name pattern, both matched in
full against a device line 'HHHH  CHIP [NAME]' of vendor 10de. The chip pattern keeps a name on
the architecture the row states (pci.ids has e.g. 'GK106 [GeForce GTX 750 Ti]', a Kepler part sold
under a Maxwell name, and 'GK208BM [GeForce 910M]'). Lines without a bracketed name, engineering
samples, reserved/initial ids, board codes and names that fit more than one row stay out.
"""
import os
import re
import sys

# model cell -> [(chip regex, name regex)]; matched case-insensitively, in full.
RULES = {
    "Tesla K10": [("GK104GL", r"Tesla K10")],
    "Tesla K20": [("GK110GL", r"Tesla K20(X|Xm|c|s|m)?")],
    "Tesla K40": [("GK110BGL|GK180GL", r"Tesla K40[a-z]*")],
    "Tesla K80": [("GK210GL", r"Tesla K80")],
    "Tesla M40": [("GM200GL", r"Tesla M40( 24GB)?")],
    "Tesla M60": [("GM204GL", r"Tesla M60")],
    "Tesla P100": [("GP100GL", r"Tesla P100[ -].*")],
    "Tesla P40": [("GP102GL", r"Tesla P40")],
    "Tesla P4": [("GP104GL", r"Tesla P4")],
    "NVIDIA V100": [("GV100GL", r"Tesla V100S? .*")],
    "NVIDIA T4": [("TU104GL", r"Tesla T4")],
    "NVIDIA A100": [("GA100", r"A100 (SXM4|PCIe) \d+GB|A100-SXM-64GB|A100X")],
    "NVIDIA A30": [("GA100GL|GA100", r"A30 PCIe|A30X")],
    "NVIDIA A40": [("GA102GL", r"A40")],
    "NVIDIA A10": [("GA102GL", r"A10|A10G")],
    "NVIDIA L4": [("AD104GL", r"L4")],
    "NVIDIA L40": [("AD102GL", r"L40|L40G|L40 CNX")],
    "NVIDIA L40S": [("AD102GL", r"L40S")],
    "NVIDIA H100": [("GH100", r"H100( SXM5 \d+GB| PCIe| \d+GB| CNX)?|H100L 94GB")],
    "NVIDIA H800": [("GH100", r"H800( PCIe)?|H800L 94GB")],
    "NVIDIA H200": [("GH100", r"H200 SXM 141GB|H200 NVL")],
    "NVIDIA GH200": [("GH100", r"GH200 .*")],
    "NVIDIA H20": [("GH100", r"H20|H20B|H20 HBM3e|H20 NVL16")],
    "NVIDIA B100": [("GB100", r"TS4 / B100")],
    "NVIDIA B200": [("GB100", r"B200|HGX B200 \d+GB")],
    "NVIDIA GB200": [("GB100", r"HGX GB200")],
    "NVIDIA B300": [("GB110", r"B300 .*")],
    "NVIDIA GB300": [("GB110", r"GB300( MaxQ)?")],
    "NVIDIA RTX PRO 6000 Blackwell Server Edition": [("GB202GL", r"RTX PRO 6000 Blackwell Server Edition")],
    "NVIDIA RTX PRO 4500 Blackwell Server Edition": [("GB203GL", r"RTX PRO 4500 Blackwell Server Edition")],
    "NVIDIA GB10 (DGX Spark)": [("GB20B", r"GB10")],
    "NVIDIA RTX PRO 6000 Blackwell Workstation Edition": [("GB202GL", r"RTX PRO 6000 Blackwell Workstation Edition")],
    "NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition": [
        ("GB202GL", r"RTX PRO 6000 Blackwell Max-Q Workstation Edition")],
    "NVIDIA RTX PRO 5000 Blackwell": [("GB202GL", r"RTX PRO 5000 Blackwell( / RTX PRO 5000 72GB Blackwell)?")],
    "NVIDIA RTX PRO 4500 Blackwell": [("GB203GL", r"RTX PRO 4500 Blackwell")],
    "NVIDIA RTX PRO 4000 Blackwell": [("GB203GL", r"RTX PRO 4000 Blackwell")],
    "NVIDIA RTX PRO 4000 Blackwell SFF Edition": [("GB203GL", r"RTX PRO 4000 Blackwell SFF Edition")],
    "NVIDIA RTX PRO 2000 Blackwell": [("GB206GL", r"RTX PRO 2000 Blackwell")],
    "NVIDIA RTX 6000 Ada / 5000 Ada / 4500 Ada / 4000 Ada / 2000 Ada": [
        ("AD10[2-7]GL", r"RTX (6000|5000|4500|4000) Ada Generation|RTX 2000 / 2000E Ada Generation")],
    "NVIDIA RTX 4000 SFF Ada": [("AD104GL", r"RTX 4000 SFF Ada Generation")],
    "NVIDIA RTX A6000 / A5000 / A4000 / A3000 / A2000": [
        ("GA10[2-7]GL", r"RTX (A6000|A5000|A4000|A2000|A2000 12GB)"),
        ("GA104GLM", r"RTX A3000( 12GB)? (Mobile|Laptop GPU)")],
    "Quadro RTX 8000 / 6000 / 5000 / 4000; T1000 / T600 / T400": [
        ("TU10[246]GL", r"Quadro RTX (6000/8000|8000|6000|5000|4000)"),
        ("TU117GL", r"T600|T1000( 8GB)?|T400 4GB / T400E|T400")],
    "Quadro GV100; NVIDIA TITAN V": [("GV100GL", r"Quadro GV100")],
    "Quadro GP100": [("GP100GL", r"Quadro GP100")],
    "Quadro P6000/P5200/P5000/P4200/P4000/P3200/P3000/P2200/P2000/P1000/P620/P600/P500/P400": [
        ("GP10[2-8]GL", r"Quadro P(6000|5000|4000|2200|2000|1000|620|600|400)")],
    "Quadro M6000 (24GB)/M5000/M4000/M2000": [("GM20[0-6]GL", r"Quadro M(6000|6000 24GB|5000|4000|2000)")],
    "Quadro K2200/K1200/K620": [("GM107GL", r"Quadro K(2200|1200|620)")],
    "Quadro K6000 / K5200": [("GK110B?GL", r"Quadro K(6000|5200)")],
    "Quadro K5000 / K4200 / K4000 / K2000 / K600 / K420": [
        ("GK10[467]GL", r"Quadro K(5000|4200|4000|2000|600|420)")],
    "GeForce RTX 5090": [("GB202", r"GeForce RTX 5090( D| D V2)?")],
    "GeForce RTX 5080 / 5070 Ti / 5070 / 5060 Ti / 5060 / 5050": [
        ("GB20[3-7]M?( / GN22(-X\d+)?)?", r"GeForce RTX 50(80|70|60|50)( Ti)?( Max-Q / Mobile| Mobile)?")],
    "GeForce RTX 4090": [("AD102", r"GeForce RTX 4090( D)?")],
    "GeForce RTX 4080 / 4070 Ti / 4070 / 4060 Ti / 4060 / 4050": [
        ("AD10[2-7]M?", r"GeForce RTX 40(80|70|60|50)( Ti)?( SUPER)?( 16GB)?( Max-Q / Mobile)?")],
    "GeForce RTX 3090 / 3090 Ti / 3080 / 3070 / 3060 (RTX 30 series)": [
        ("GA10[2-7]B?M?( / GN20-P0-R-K2)?",
         r"GeForce RTX 30[5-9]0( Ti)?( \d+GB)?( GDDR6X| Lite Hash Rate| Rev\. 2| OEM)?"
         r"( Mobile / Max-Q( \d+GB/\d+GB)?| Mobile| Laptop GPU| \d+GB Laptop GPU)?")],
    "GeForce RTX 20 series; GeForce GTX 16 series": [
        ("TU1(0[246]|1[67])B?M?",
         r"GeForce (RTX 20[5-8]0|GTX 16[3-6]0)( Ti)?( SUPER)?( 12GB)?( Rev\. A)?( Mobile| Max-Q| Mobile / Max-Q"
         r"| Mobile / Max-Q Refresh| Mobile Refresh)?")],
    "NVIDIA TITAN RTX": [("TU102", r"TITAN RTX")],
    "NVIDIA TITAN V": [("GV100", r"TITAN V")],
    "GeForce GTX 1080 Ti / 1080 / 1070 Ti / 1070 / 1060 / 1050; NVIDIA TITAN Xp; NVIDIA TITAN X (Pascal)": [
        ("GP10[2-8]", r"GeForce GTX 10[5-8]0( Ti)?( \d+GB)?( GDDR5X)?|TITAN Xp|TITAN X Pascal")],
    "GeForce GTX TITAN X / 980 Ti / 980 / 970 / 960 / 950; GTX 980M/970M/965M; 910M": [
        ("GM20[046]", r"GeForce GTX (TITAN X|980 Ti|980|970|960|950)( OEM)?"),
        ("GM20[046]M", r"GeForce GTX (980M|970M|965M)"),
        ("GM20[046]M|GM108M", r"GeForce 910M")],
    "GeForce GTX 750 Ti / 750; GTX 960M / 950M; 940M / 930M / 840M / 830M": [
        ("GM107", r"GeForce GTX 750( Ti)?"),
        ("GM107M", r"GeForce GTX (960M|950M)"),
        ("GM108M", r"GeForce (940M|930M|840M|830M)")],
    "GeForce GTX TITAN / TITAN Black / TITAN Z / 780 Ti / 780": [
        ("GK110B?", r"GeForce GTX (TITAN|TITAN Black|TITAN Z|780 Ti|780)")],
    "GeForce GTX 680 / 670 / 660 etc.": [("GK10[46]", r"GeForce GTX (680|670|660|660 Ti)")],
}

# What the table cited for its earlier, partial PCI ids; replaced by the pci.ids citation.
OLD_PCI_SOURCES = ("lspci/pci.ids strings seen in public code", "PCI ids: pci.ids")
CITE = "PCI ids: pci.ids Version %s (github.com/pciutils/pciids)"

LINE = re.compile(r"^\t([0-9a-f]{4})  (.*?)(?: \[(.*)\])?$")


def nvidia_devices(path):
    """(id, chip, name) for each device line of vendor 10de; also the file's Version line."""
    devices, version, inside = [], None, False
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#") and "Version:" in line and version is None:
                version = line.split("Version:", 1)[1].strip()
            if not line or line.startswith("#"):
                continue
            if not line.startswith("\t"):
                inside = line.startswith("10de ")
                continue
            if inside and not line.startswith("\t\t"):
                m = LINE.match(line)
                if m and m.group(3):
                    devices.append((int(m.group(1), 16), m.group(2), m.group(3)))
    return devices, version


def derive(devices):
    """model -> [(id, name)], and the ids that more than one row claims (left out)."""
    claims = {}
    for model, rules in RULES.items():
        for dev_id, chip, name in devices:
            for chip_re, name_re in rules:
                if re.fullmatch(chip_re, chip, re.I) and re.fullmatch(name_re, name, re.I):
                    claims.setdefault(dev_id, set()).add(model)
                    break
    per_row, ambiguous = {}, {}
    for dev_id, chip, name in devices:
        models = claims.get(dev_id)
        if not models:
            continue
        if len(models) > 1:
            ambiguous[dev_id] = sorted(models)
            continue
        per_row.setdefault(next(iter(models)), []).append((dev_id, name))
    return per_row, ambiguous


def cell(items):
    return "; ".join("0x%04x (%s)" % (i, n) for i, n in sorted(items))


def main(argv):
    write = "--write" in argv
    args = [a for a in argv[1:] if a != "--write"]
    if not args:
        sys.stderr.write(__doc__)
        return 2
    tsv = args[1] if len(args) > 1 else os.path.join(os.path.dirname(__file__), "..", "gpu-compute-capability.tsv")
    devices, version = nvidia_devices(args[0])
    per_row, ambiguous = derive(devices)
    with open(tsv, encoding="utf-8") as f:
        lines = f.read().split("\n")
    header = None
    models = set()
    for i, line in enumerate(lines):
        if not line or line.startswith("#"):
            continue
        cells = line.split("\t")
        if header is None:
            header = cells
            continue
        row = dict(zip(header, cells))
        models.add(row["model"])
        items = per_row.get(row["model"], [])
        if not write:
            print("%s\n\t%s" % (row["model"], cell(items) or "-"))
            continue
        if items:
            cells[header.index("pci_device_ids")] = cell(items)
            cells[header.index("pci_ids_note")] = ""
            src = header.index("source")
            parts = [p for p in cells[src].split("; ") if p and not p.startswith(OLD_PCI_SOURCES)]
            parts.append(CITE % version)
            cells[src] = "; ".join(dict.fromkeys(parts))
        lines[i] = "\t".join(cells)
    for m in RULES:
        if m not in models:
            sys.stderr.write("rule for a model not in the table: %s\n" % m)
    for dev_id, ms in sorted(ambiguous.items()):
        sys.stderr.write("left out, claimed by several rows: 0x%04x %s\n" % (dev_id, ms))
    sys.stderr.write("pci.ids version %s\n" % version)
    if write:
        with open(tsv, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
