"""Shared by the bench/ scripts: run a command once and measure its wall time and peak RSS from a
small C parent (spawn.c: a child forked from Python starts with Python's resident pages, which
ru_maxrss keeps across exec), and describe the machine."""
import os
import platform
import shutil
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SPAWN = None


def build_spawn():
    global SPAWN
    cc = shutil.which(os.environ.get('CC', 'cc')) or shutil.which('gcc')
    out = os.path.join(tempfile.mkdtemp(), 'spawn')
    if cc and subprocess.run([cc, '-O2', '-o', out, os.path.join(HERE, 'spawn.c')]).returncode == 0:
        SPAWN = out
    return SPAWN


def run_once(argv):
    """(wall seconds, peak RSS KiB, exit status) of one run, stdout and stderr discarded."""
    if SPAWN:
        p = subprocess.run([SPAWN] + argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        us, rss, code = p.stderr.split()[-3:]
        return int(us) / 1e6, int(rss), int(code)
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    return time.perf_counter() - t0, ru.ru_maxrss, os.waitstatus_to_exitcode(status)


def cpu_model():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown CPU'
