"""The two benchmarks behind issue 20's goals run, and print what they promise
(docs/measurement.md): make bench-overhead (scripts/bench-overhead) and make
bench-lifecycle (scripts/bench-lifecycle), each with a few short rounds.  The
figures themselves move with the host's load, so nothing here compares them
with a goal: a benchmark shows that, not a test."""
import os
import re
import subprocess

from conftest import BUILD, ROOT


def bench(name, *args):
    p = subprocess.run([os.path.join(ROOT, "scripts", name), BUILD, *args], capture_output=True, text=True,
                       timeout=120, cwd=ROOT)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout


def test_bench_overhead_prints_the_ratio_its_interval_and_the_extra_cycles():
    out = bench("bench-overhead", "2000", "6")
    assert "6 interleaved rounds of 2000 exits" in out
    m = re.search(r"kvmlab/raw ([\d.]+) \(medians\), ([\d.]+) \(median of per-round ratios", out)
    assert m, out
    median = float(m.group(2))
    # Six rounds: the sign test's interval is the smallest and the largest ratio, and holds the median.
    m = re.search(r"% interval ([\d.]+)-([\d.]+) \(sign test.*goal >= 0\.99 (met|missed|not shown)", out)
    assert m, out
    assert float(m.group(1)) <= median <= float(m.group(2))
    rounds = re.search(r"rounds, exits/s raw: +(.*)", out).group(1).split(", ")
    assert len(rounds) == 6 and all(float(x) > 0 for x in rounds)
    assert re.search(r"kvmlab's extra +-?[\d.]+ ns = -?\d+ cycles", out), out
    # The rest of the extra, inside KVM_RUN, and the yardstick that prices a page touched per exit.
    assert re.search(r"inside KVM_RUN \(mean round trip\): kvmlab's exits take -?\d+ cycles more", out), out
    assert re.search(r"yardstick: rawloop writing one line in each of 4 far-apart pages per exit costs "
                     r"-?\d+ cycles an exit \(-?\d+ a page\)", out), out


def test_rawloop_prints_its_figures_and_touches_the_pages_it_is_given():
    payload = os.path.join(BUILD, "payloads", "bench", "overhead-pio.bin")
    for pages in ([], ["3"]):
        p = subprocess.run([os.path.join(BUILD, "rawloop"), payload, "500", *pages], capture_output=True,
                           text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        exits, seconds, rate, outside, inside = p.stdout.split()
        assert int(exits) == 500 and float(seconds) > 0 and float(rate) > 0
        assert int(outside) > 0 and float(inside) > 0           # cycles out of and in KVM_RUN


def test_rawloop_refuses_a_bad_count_in_one_line():
    payload = os.path.join(BUILD, "payloads", "bench", "overhead-pio.bin")
    for args in (["0"], ["10", "65"], ["10", "-1"]):
        p = subprocess.run([os.path.join(BUILD, "rawloop"), payload, *args], capture_output=True, text=True,
                           timeout=60)
        assert p.returncode == 2 and p.stdout == "", (args, p)
        assert p.stderr.count("\n") == 1 and p.stderr.startswith("rawloop: "), (args, p.stderr)


def test_bench_lifecycle_prints_the_ratio_and_every_set_up_step():
    out = bench("bench-lifecycle", "3")
    assert re.search(r"kvmlab / raw = [\d.]+ +\(wall, medians; goal: at most 2\)", out), out
    for ioctl in ("KVM_CREATE_VM", "KVM_SET_USER_MEMORY_REGION", "KVM_CREATE_VCPU", "KVM_SET_CPUID2"):
        assert re.search(rf"{ioctl} +[\d.]+", out), (ioctl, out)


def test_bench_ab_prints_the_paired_difference_and_its_interval():
    kvmlab = os.path.join(BUILD, "kvmlab")
    out = bench("bench-ab", kvmlab, kvmlab, "6", "1000")
    assert "6 interleaved rounds of 1000 exits each" in out, out
    for name in ("A", "B"):
        assert re.search(rf"^{name} .*kvmlab: [\d.]+ wall cycles an exit, [\d.]+ between KVM_RUN calls, "
                         r"[\d.]+ inside", out, re.M), out
    m = re.search(r"B - A, wall: median ([-+][\d.]+) cycles an exit, [\d.]+ % interval ([-+][\d.]+) to "
                  r"([-+][\d.]+); (B is faster|B is slower|no difference shown)", out)
    assert m, out
    assert float(m.group(2)) <= float(m.group(1)) <= float(m.group(3))
    assert "B - A, between the calls:" in out and "B - A, inside KVM_RUN:" in out


def test_bench_ab_refuses_bad_arguments_in_one_line():
    kvmlab = os.path.join(BUILD, "kvmlab")
    for args in ([kvmlab], [kvmlab, kvmlab, "0"], [kvmlab, kvmlab, "many"], [kvmlab, "/nonexistent/kvmlab"]):
        p = subprocess.run([os.path.join(ROOT, "scripts", "bench-ab"), BUILD, *args], capture_output=True,
                           text=True, timeout=60)
        assert p.returncode == 2 and p.stdout == "", (args, p)
        assert p.stderr.count("\n") == 1 and p.stderr.startswith("bench-ab: "), (args, p.stderr)


def test_the_sign_test_interval_is_the_order_statistics_it_names():
    """scripts/signtest.py: for n values the interval is x(k)..x(n+1-k), k the largest
    with P(Binom(n, 1/2) < k) <= 2.5 %; with n < 6 there is none at 95 %."""
    import math
    import sys
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    from signtest import median_interval
    assert median_interval([3, 1, 2, 5, 4]) is None
    lo, hi, cover = median_interval([6, 1, 5, 2, 4, 3])     # n = 6: k = 1, the extremes
    assert (lo, hi) == (1, 6) and cover == 1 - 2 / 64
    xs = list(range(100, 141))                              # n = 41
    lo, hi, cover = median_interval(list(reversed(xs)))
    k = lo - 99
    assert hi == xs[41 - k] and cover >= 0.95
    tail = lambda j: sum(math.comb(41, i) for i in range(j)) / 2 ** 41
    assert tail(k) <= 0.025 < tail(k + 1)
