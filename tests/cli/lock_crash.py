#!/usr/bin/env python3
"""Crash test for `cuvet lock`: run it N times (default 1000), each time killed with SIGKILL after a
random delay spread over its whole run, alternating between two stacks, and check after every kill
that the lock on disk is whole: byte for byte the old lock or the new one, never a mix or a torn
file. Counts how often the kill landed inside the write (a temporary file left behind: killed between
mkstemp and rename), so a run that never hit that window is reported, not passed silently.

usage: lock_crash.py CUVET FACTS_A FACTS_B [N]"""
import os, random, shutil, signal, subprocess, sys, tempfile, time

cuvet, fa, fb = sys.argv[1:4]
n = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
work = tempfile.mkdtemp()
env = dict(os.environ, SOURCE_DATE_EPOCH="1764892800")
lock = os.path.join(work, "cuvet.lock")

def run(facts, out):
    return subprocess.run([cuvet, "lock", "-q", "--facts", facts, "-o", out], env=env, check=True)

# the two whole locks, written to other paths
texts = {}
for name, facts in (("a", fa), ("b", fb)):
    p = os.path.join(work, name + ".lock")
    run(facts, p)
    texts[name] = open(p, "rb").read()
    os.unlink(p)
assert texts["a"] != texts["b"]
# how long one run takes, to spread the kills over it
t0 = time.monotonic()
for _ in range(20):
    run(fa, lock)
span = (time.monotonic() - t0) / 20 * 1.3

rng = random.Random(int(os.environ.get("CUVET_CRASH_SEED", "0")) or None)
current = "a"
stats = dict(killed=0, finished=0, old=0, new=0, in_write=0)
bad = 0
for i in range(n):
    target = "b" if current == "a" else "a"
    p = subprocess.Popen([cuvet, "lock", "-q", "--facts", fb if target == "b" else fa, "-o", lock], env=env)
    time.sleep(rng.uniform(0, span))
    try:
        p.send_signal(signal.SIGKILL)
    except ProcessLookupError:
        pass
    rc = p.wait()
    stats["killed" if rc == -signal.SIGKILL else "finished"] += 1
    leftovers = [f for f in os.listdir(work) if f.startswith(".cuvet.lock.tmp.")]
    if leftovers:
        stats["in_write"] += 1
        for f in leftovers:
            os.unlink(os.path.join(work, f))
    data = open(lock, "rb").read()
    if data == texts[target]:
        stats["new"] += 1
        current = target
    elif data == texts[current]:
        stats["old"] += 1
    else:
        bad += 1
        print(f"iteration {i}: the lock is neither the old nor the new one ({len(data)} bytes, rc {rc})")
        shutil.copy(lock, os.path.join(os.getcwd(), f"torn-{i}.lock"))
    if rc == 0 and data != texts[target]:
        bad += 1
        print(f"iteration {i}: cuvet lock finished but the lock is not the new one")

shutil.rmtree(work)
print(f"{n} runs: {stats['killed']} killed, {stats['finished']} finished; afterwards {stats['old']} old lock, "
      f"{stats['new']} new lock, {bad} torn; {stats['in_write']} killed inside the write (temporary file left)")
if bad:
    sys.exit(1)
if stats["killed"] == 0 or stats["new"] == 0 or stats["old"] == 0:
    print("the kills did not spread over the run: no evidence either way")
    sys.exit(1)
