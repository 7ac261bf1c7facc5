#!/usr/bin/env python3
"""Tests of the course kit's logic that needs no GPU: the comparison behind `make chapter-NN-mine`
(scripts/compare_mine.py, scripts/mine.sh with fake bench programs), the grader's parsing, time
limits, build-error attribution and report (scripts/grade.py), and the learner copy's check
(scripts/verify_learner_copy.py, on planted leaks).

    python3 -m unittest discover -s tests/kit -v        (CTest: repo.kit)
"""
import csv
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIX = pathlib.Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(ROOT / "scripts"))
import compare_mine  # noqa: E402
import grade  # noqa: E402
import sass_loop_mix  # noqa: E402
import verify_learner_copy  # noqa: E402

RECORDED = ROOT / "bench" / "results" / "h100" / "chapter-04.json"


def bench_json(rows, gpu="NVIDIA H100 80GB HBM3", commit="abc"):
    """A Google Benchmark JSON document: rows are (name, ms) or (name, None, error)."""
    out = []
    for row in rows:
        entry = {"name": row[0], "run_name": row[0], "run_type": "iteration", "iterations": 1,
                 "real_time": row[1] or 0.0, "time_unit": "ms"}
        if len(row) > 2:
            entry.update({"error_occurred": True, "error_message": row[2]})
        out.append(entry)
    return {"context": {"wb_chapter": "ch04", "wb_gpu": gpu, "wb_commit": commit,
                        "date": "2026-01-01"}, "benchmarks": out}


class CompareMine(unittest.TestCase):
    def setUp(self):
        self.tmp = pathlib.Path(tempfile.mkdtemp())

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def write(self, name, doc):
        path = self.tmp / name
        path.write_text(json.dumps(doc, indent=2))
        return path

    def test_statuses(self):
        ref = bench_json([("ch04/naive/8/0", 2.0), ("ch04/a/8/0", 1.0), ("ch04/b/8/0", 0.5),
                          ("ch04/c/8/0", 0.4), ("ch04/d/8/0", 0.3), ("ch04/vendor-cub/8/0", 0.3)])
        mine = bench_json([("ch04/naive/8/0", 2.02), ("ch04/a/8/0", 1.1),
                           ("ch04/c/8/0", None, "wrong result: c: expected 1 got 2"),
                           ("ch04/vendor-cub/8/0", 0.31)])
        _, m = compare_mine.load_benchmark_json(self.write("m.json", mine))
        _, r = compare_mine.load_benchmark_json(self.write("r.json", ref))
        lines = compare_mine.compare(compare_mine.rows_of(m), compare_mine.rows_of(r),
                                     unfinished=["b"], exercises={"a", "b", "c", "d"})
        by = {ln["step"]: ln for ln in lines}
        self.assertEqual(by["naive"]["kind"], "given")
        self.assertAlmostEqual(by["naive"]["ratio"], 1.01)
        self.assertEqual(by["a"]["status"], "timed")
        self.assertAlmostEqual(by["a"]["ratio"], 1.1)
        self.assertEqual(by["b"]["status"], "UNFINISHED")
        self.assertIsNone(by["b"]["mine_ms"])
        self.assertEqual(by["c"]["status"], "FAILED")
        self.assertIn("expected 1 got 2", by["c"]["message"])
        self.assertEqual(by["d"]["status"], "NOT RUN")
        self.assertEqual(by["vendor-cub"]["kind"], "vendor")

    def test_ties_within_the_same_code_spread(self):
        # The given row differs by 1% and the vendor row by 3%: ratios within 6% of 1 are ties.
        ref = bench_json([("ch04/naive/8/0", 1.0), ("ch04/a/8/0", 1.0), ("ch04/b/8/0", 1.0),
                          ("ch04/vendor-cub/8/0", 1.0)])
        mine = bench_json([("ch04/naive/8/0", 1.01), ("ch04/a/8/0", 1.05), ("ch04/b/8/0", 1.07),
                           ("ch04/vendor-cub/8/0", 0.97)])
        _, m = compare_mine.load_benchmark_json(self.write("m.json", mine))
        _, r = compare_mine.load_benchmark_json(self.write("r.json", ref))
        lines = compare_mine.compare(compare_mine.rows_of(m), compare_mine.rows_of(r),
                                     unfinished=[], exercises={"a", "b"})
        self.assertAlmostEqual(compare_mine.noise_band(lines), 0.06)
        table = compare_mine.format_table(lines, [], recorded=True)
        row = {ln.split()[0]: ln for ln in table.splitlines() if ln.startswith("  ")}
        self.assertTrue(row["a"].endswith("same"))
        self.assertTrue(row["b"].endswith("slower"))
        self.assertNotIn("WARNING", table)

    def test_a_disturbed_run_is_called_so(self):
        # The given row ran 3x slower on the learner's side (another process had the GPU half the
        # time, as on the H100 once): every ratio is a 'tie', and the table must say why.
        ref = bench_json([("ch04/naive/8/0", 1.0), ("ch04/a/8/0", 1.0)])
        mine = bench_json([("ch04/naive/8/0", 3.1), ("ch04/a/8/0", 3.0)])
        _, m = compare_mine.load_benchmark_json(self.write("m.json", mine))
        _, r = compare_mine.load_benchmark_json(self.write("r.json", ref))
        lines = compare_mine.compare(compare_mine.rows_of(m), compare_mine.rows_of(r),
                                     unfinished=[], exercises={"a"})
        table = compare_mine.format_table(lines, [], recorded=True)
        self.assertIn("WARNING: the same code ran up to 210% apart", table)

    def test_truncated_json_keeps_the_rows_written(self):
        text = RECORDED.read_text()
        cut = text[:text.index('"ch04/first_add/268435456/0"') + 10]
        path = self.tmp / "cut.json"
        path.write_text(cut)
        ctx, runs = compare_mine.load_benchmark_json(path)
        self.assertEqual(ctx["wb_chapter"], "ch04")
        self.assertEqual([r["name"] for r in runs],
                         ["ch04/naive/268435456/0", "ch04/sequential/268435456/0"])

    def test_recorded_ladder_parses(self):
        ctx, runs = compare_mine.load_benchmark_json(RECORDED)
        rows = compare_mine.rows_of(runs)
        self.assertEqual(rows[0].step, "naive")
        self.assertEqual(rows[0].size, "268435456/0")
        self.assertGreater(rows[0].ms, 0.1)

    def test_unfinished_from_log(self):
        log = ("[wb] seed 1\n[wb] first_add: UNFINISHED exercise (still marked WB_EXERCISE_TODO): "
               "not timed\n[wb] measuring\n")
        self.assertEqual(compare_mine.unfinished_from_log(log), ["first_add"])

    def test_kernels_map_to_steps(self):
        steps = ["naive", "smem_tile", "padded_tile", "softmax-block", "first_add"]
        self.assertEqual(compare_mine.step_of("transpose_padded_tile_kernel", steps), "padded_tile")
        self.assertEqual(compare_mine.step_of("softmax_block_kernel<float>", steps), "softmax-block")
        self.assertEqual(compare_mine.step_of("DeviceReduceKernel<...>", steps), "")

    def test_recorded_profile_text_parses(self):
        kernels = compare_mine.load_profile_text(ROOT / "bench/results/h100/chapter-04.profile.txt")
        self.assertEqual(kernels[0][0], "reduce_naive_kernel<SumOp>")
        self.assertEqual(kernels[0][1]["launch__registers_per_thread"][1], "register/thread")


def ncu_csv(kernels):
    """An `ncu --csv --page raw` output: a log line, the header, the units, one row per launch."""
    lines = ['==PROF== Connected to process 1\n',
             '"ID","Kernel Name","gpu__time_duration.sum","launch__grid_size"\n',
             '"","","ns",""\n']
    for i, (name, ns, grid) in enumerate(kernels):
        lines.append(f'"{i}","{name}","{ns}","{grid}"\n')
    return "".join(lines)


class SassLoopMix(unittest.TestCase):
    """scripts/sass_loop_mix.py, on a made-up listing in cuobjdump's format: the kernels, the
    loops (backward branches only) and the opcodes counted without predicates or modifiers."""

    LISTING = textwrap.dedent("""\
        \t\tFunction : _Z3fooPf
        \t/*0000*/                   MOV R1, c[0x0][0x28] ;
        \t/*0010*/                   LDSM.16.M88.4 R4, [R2] ;
        \t/*0020*/                   HMMA.16816.F32 R8, R4, R6, R8 ;
        \t/*0030*/               @P0 IADD3 R2, R2, 0x10, RZ ;
        \t/*0040*/               @!P1 BRA 0x10 ;
        \t/*0050*/                   BRA 0x60 ;
        \t/*0060*/                   EXIT ;
        \t\tFunction : _Z3barv
        \t/*0000*/                   EXIT ;
        """)

    def test_loops_and_mix(self):
        found = sass_loop_mix.kernels(self.LISTING)
        self.assertEqual([n for n, _ in found], ["_Z3fooPf", "_Z3barv"])
        body = found[0][1]
        self.assertEqual(len(body), 7)
        loops = sass_loop_mix.loops(body)
        self.assertEqual(len(loops), 1)  # the forward BRA 0x60 is not a loop
        start, end, ins = loops[0]
        self.assertEqual((start, end), (0x10, 0x40))
        self.assertEqual([sass_loop_mix.opcode(t) for t in ins], ["LDSM", "HMMA", "IADD3", "BRA"])

    def test_each_architecture_keeps_its_own_listing(self):
        two = ("\tarch = sm_80\n" + self.LISTING.replace("EXIT ;\n", "NOP ;\n\t/*0070*/ EXIT ;\n", 1)
               + "\tarch = sm_90\n" + self.LISTING)
        found = sass_loop_mix.kernels_by_arch(two)
        self.assertEqual([(a, n) for a, n, _ in found],
                         [("sm_80", "_Z3fooPf"), ("sm_80", "_Z3barv"),
                          ("sm_90", "_Z3fooPf"), ("sm_90", "_Z3barv")])
        self.assertEqual(len(found[0][2]), 8)  # sm_80's foo has the extra instruction
        self.assertEqual(len(found[2][2]), 7)
        self.assertEqual(sass_loop_mix.arch_number("sm_90"), 90)


class CompareProfile(unittest.TestCase):
    def test_launches_pair_by_name_and_unfinished_stubs_are_named(self):
        with tempfile.TemporaryDirectory() as d:
            d = pathlib.Path(d)
            (d / "m.csv").write_text(ncu_csv([
                ("void ch04::<unnamed>::reduce_naive_kernel<ch04::SumOp>(const float *)", "1,000", "4"),
                ("void ch04::<unnamed>::reduce_first_add_kernel<ch04::SumOp>(const float *)", "10", "2"),
                ("void ch04::<unnamed>::reduce_vectorized_kernel<ch04::SumOp>(const float *)", "600", "8"),
                ("void ch04::<unnamed>::reduce_vectorized_kernel<ch04::SumOp>(const float *)", "6", "1")]))
            (d / "r.csv").write_text(ncu_csv([
                ("void ch04::<unnamed>::reduce_naive_kernel<ch04::SumOp>(const float *)", "1,000", "4"),
                ("void ch04::<unnamed>::reduce_first_add_kernel<ch04::SumOp>(const float *)", "500", "2"),
                ("void ch04::<unnamed>::reduce_vectorized_kernel<ch04::SumOp>(const float *)", "300", "8")]))
            r = subprocess.run([sys.executable, str(ROOT / "scripts/compare_mine.py"), "profile",
                                "--mine", str(d / "m.csv"), "--reference", str(d / "r.csv"),
                                "--metrics", "gpu__time_duration.sum,launch__grid_size",
                                "--unfinished", "first_add", "--steps",
                                "first_add,vectorized"], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            out = r.stdout
            self.assertRegex(out, r"reduce_first_add_kernel<SumOp>   \[step first_add\]\n  UNFINISHED")
            self.assertRegex(out, r"reduce_vectorized_kernel<SumOp>   \[step vectorized\]\n  metric")
            self.assertRegex(out, r"gpu__time_duration.sum +600 +300 +2.00 ns")
            self.assertIn("yours only: the reference launched no such kernel here", out)

    def test_recorded_kernels_renamed_since_pair_with_todays_step(self):
        # Chapter 02's recorded profile predates step 7: its transpose_big_tile_kernel is today's
        # step 8 (column_order). With the renames file, your step 8 is set next to it, and your
        # step 7 is said to have no recorded row; without it, step 7 would be paired with step 8's.
        recorded = ROOT / "bench/results/h100/chapter-02.profile.txt"
        renames = ROOT / "bench/results/h100/chapter-02.profile.renames"
        with tempfile.TemporaryDirectory() as d:
            d = pathlib.Path(d)
            (d / "m.csv").write_text(ncu_csv([
                ("void ch02::<unnamed>::transpose_padded_tile_kernel(const float *)", "44,000", "4"),
                ("void ch02::<unnamed>::transpose_big_tile_kernel(const float *)", "45,000", "4"),
                ("void ch02::<unnamed>::transpose_column_order_kernel(const float *)", "44,500", "4")]))
            args = [sys.executable, str(ROOT / "scripts/compare_mine.py"), "profile",
                    "--mine", str(d / "m.csv"), "--reference", str(recorded), "--recorded",
                    "--metrics", "gpu__time_duration.sum",
                    "--steps", "padded_tile,big_tile,column_order"]
            r = subprocess.run(args + ["--renames", str(renames)], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            out = r.stdout
            self.assertRegex(out, r"transpose_big_tile_kernel   \[step big_tile\]\n"
                                  r"  \(yours only: the recorded profile has no such kernel: today's step 7")
            self.assertRegex(out, r"transpose_column_order_kernel   \[step column_order\]\n"
                                  r"  \(the reference side was recorded as transpose_big_tile_kernel")
            recorded_big = compare_mine.load_profile_text(recorded)
            ns = dict(recorded_big)["transpose_big_tile_kernel"]["gpu__time_duration.sum"][0]
            self.assertRegex(out, r"gpu__time_duration.sum +44,500 +" + re.escape(ns))
            # Without the renames file the names alone pair step 7 with the recorded step 8 code.
            r = subprocess.run(args, capture_output=True, text=True)
            self.assertRegex(r.stdout, r"transpose_big_tile_kernel   \[step big_tile\]\n  metric")

    def test_renames_are_not_applied_to_a_profile_recorded_again(self):
        ref = [("transpose_big_tile_kernel", {"a": ("1", "")}),
               ("transpose_column_order_kernel", {"a": ("2", "")})]
        renamed = {"transpose_column_order_kernel": ("transpose_big_tile_kernel", "why")}
        out, done = compare_mine.apply_renames(ref, renamed)
        self.assertEqual(out, ref)
        self.assertEqual(done, {})


FAKE_BENCH = textwrap.dedent("""\
    #!/usr/bin/env bash
    # A fake chapter bench: writes $FAKE_DIR/<its name>.json to --benchmark_out, or, with
    # FAKE_NO_GPU set, does what the real one does without a GPU (no results written).
    me=$(basename "$0")
    out=""
    for a in "$@"; do case $a in --benchmark_out=*) out=${a#--benchmark_out=} ;; esac; done
    if [ -n "${FAKE_NO_GPU:-}" ]; then
      echo "Not measured here (no NVIDIA GPU driver on this machine): showing the recorded ladder instead."
      exit 0
    fi
    [ "$me" = ch04_bench_mine ] && echo "[wb] b: UNFINISHED exercise (still marked WB_EXERCISE_TODO): not timed"
    cp "$FAKE_DIR/$me.json" "$out"
    grep -q error_occurred "$out" && exit 1
    exit 0
    """)


class MineScript(unittest.TestCase):
    """scripts/mine.sh bench with fake bench programs."""

    def setUp(self):
        self.tmp = pathlib.Path(tempfile.mkdtemp())
        for name in ("ch04_bench_mine", "ch04_bench"):
            p = self.tmp / name
            p.write_text(FAKE_BENCH)
            p.chmod(0o755)
        ref = bench_json([("ch04/naive/8/0", 2.0), ("ch04/a/8/0", 1.0), ("ch04/b/8/0", 0.5)],
                         commit="ref")
        (self.tmp / "ch04_bench.json").write_text(json.dumps(ref))
        self.env = dict(os.environ, FAKE_DIR=str(self.tmp))

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def mine(self, rows, reference="ch04_bench", extra_env=None):
        (self.tmp / "ch04_bench_mine.json").write_text(json.dumps(bench_json(rows, commit="mine")))
        ref = reference if reference == "recorded" else str(self.tmp / reference)
        env = dict(self.env, **(extra_env or {}))
        return subprocess.run([str(ROOT / "scripts/mine.sh"), "bench", str(self.tmp / "ch04_bench_mine"),
                               ref, str(self.tmp / "out")], capture_output=True, text=True, env=env)

    def test_table_with_unfinished(self):
        r = self.mine([("ch04/naive/8/0", 2.0), ("ch04/a/8/0", 1.5)])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("measured now on NVIDIA H100", r.stdout)
        self.assertRegex(r.stdout, r"\n  a +\S* +1\.5000 +1\.0000 +1\.500  slower")
        self.assertRegex(r.stdout, r"\n  b +\S* +UNFINISHED")
        self.assertTrue((self.tmp / "out" / "chapter-04.mine.csv").exists())
        self.assertTrue((self.tmp / "out" / "chapter-04.reference.json").exists())

    def test_failed_step_fails(self):
        r = self.mine([("ch04/naive/8/0", 2.0), ("ch04/a/8/0", None, "wrong result: a")])
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stdout, r"\n  a +\S* +FAILED .*wrong result: a")

    def test_no_gpu_times_nothing(self):
        r = self.mine([], extra_env={"FAKE_NO_GPU": "1"})
        self.assertEqual(r.returncode, 1)
        self.assertIn("NOTHING WAS TIMED: no NVIDIA GPU driver on this machine", r.stdout)
        self.assertNotIn("yours/ref", r.stdout)

    def test_recorded_reference_names_both_gpus(self):
        r = self.mine([("ch04/naive/268435456/0", 2.6)], reference="recorded")
        self.assertIn("reference: RECORDED on NVIDIA H100 80GB HBM3", r.stdout)
        self.assertIn("not in the same run", r.stdout)
        r = subprocess.run([sys.executable, str(ROOT / "scripts/compare_mine.py"), "bench", "--mine",
                            str(self.tmp / "out/chapter-04.mine.json"), "--reference", str(RECORDED),
                            "--recorded"], capture_output=True, text=True)
        self.assertIn("measured now on NVIDIA H100", r.stdout)
        doc = bench_json([("ch04/naive/268435456/0", 2.6)], gpu="NVIDIA A100-SXM4-40GB")
        (self.tmp / "a100.json").write_text(json.dumps(doc))
        r = subprocess.run([sys.executable, str(ROOT / "scripts/compare_mine.py"), "bench", "--mine",
                            str(self.tmp / "a100.json"), "--reference", str(RECORDED), "--recorded"],
                           capture_output=True, text=True)
        self.assertIn("DIFFERENT GPUs (NVIDIA A100-SXM4-40GB vs NVIDIA H100 80GB HBM3)", r.stdout)


class CatchXml(unittest.TestCase):
    def parse(self, name):
        return grade.parse_catch_xml((FIX / name).read_text())

    def test_v2_first_failure_and_totals(self):
        r = self.parse("catch2-v2-failures.xml")
        self.assertEqual(r.cases, 4)
        self.assertEqual((r.passed, r.failed), (5, 4))
        self.assertEqual(r.first["case"], "every step matches at the edge lengths")
        self.assertEqual(grade.first_shape(r.first["infos"]), "n = 33, random inputs")
        self.assertEqual(r.first["kind"], "CHECK")
        self.assertIn("n % 2 == 0", r.first["text"])
        self.assertEqual(r.shapes, ["n = 33, random inputs", "n = 31, random inputs"])
        self.assertTrue(r.complete)

    def test_v3_layout(self):
        r = self.parse("catch2-v3-failures.xml")
        self.assertEqual((r.passed, r.failed, r.cases), (40, 2, 2))
        self.assertEqual(grade.first_shape(r.first["infos"]), "n = 31, random inputs")
        self.assertIn("expected 15.5, got 14.25", " ".join(r.first["infos"]))

    def test_truncated_report_keeps_what_was_written(self):
        r = self.parse("catch2-v2-truncated.xml")
        self.assertFalse(r.complete)
        self.assertIsNone(r.passed)

    def test_no_tests(self):
        r = self.parse("catch2-v2-no-tests.xml")
        self.assertEqual((r.cases, r.passed, r.failed), (0, 0, 0))


class Classify(unittest.TestCase):
    def fix(self, name):
        return (FIX / name).read_text()

    def test_statuses(self):
        ok = grade.Ran(0, False, "", 1.0)
        self.assertEqual(grade.classify(ok, self.fix("catch2-v2-pass.xml"))[0], grade.PASS)
        self.assertEqual(grade.classify(ok, self.fix("catch2-v2-no-tests.xml"))[0], grade.NO_TESTS)
        self.assertEqual(grade.classify(ok, "")[0], grade.CRASHED)
        status, shape, msg = grade.classify(grade.Ran(3, False, "", 1.0),
                                            self.fix("catch2-v3-failures.xml"))
        self.assertEqual((status, shape), (grade.FAIL, "n = 31, random inputs"))
        self.assertIn("expected 15.5, got 14.25", msg)
        self.assertIn("Also failed at 1 other shape(s): n = 33, random inputs", msg)
        status, _, msg = grade.classify(grade.Ran(1, False, "", 1.0),
                                        self.fix("catch2-v3-gpu-fault.xml"))
        self.assertEqual(status, grade.CRASHED)
        self.assertIn("misaligned address", msg)
        status, _, msg = grade.classify(grade.Ran(-11, False, "", 1.0),
                                        self.fix("catch2-v2-signal.xml"))
        self.assertEqual(status, grade.CRASHED)
        self.assertIn("SIGSEGV", msg)
        status, _, msg = grade.classify(grade.Ran(-15, True, "", 60.0), "")
        self.assertEqual(status, grade.TIMED_OUT)
        status, _, _ = grade.classify(
            grade.Ran(77, False, "SKIPPED: these tests need a CUDA GPU: none.", 0.1), "")
        self.assertEqual(status, grade.NOT_RUN)


class TimeLimits(unittest.TestCase):
    def test_a_hang_is_stopped_at_the_limit(self):
        start = time.monotonic()
        ran = grade.run_limited(["sleep", "30"], 1)
        self.assertTrue(ran.timed_out)
        self.assertLess(time.monotonic() - start, 10)
        self.assertIn("stopped after 1 s", ran.output)

    def test_sigterm_ignored_then_killed(self):
        start = time.monotonic()
        ran = grade.run_limited(["sh", "-c", "trap '' TERM; echo started; sleep 30; sleep 30"], 1)
        self.assertTrue(ran.timed_out)
        self.assertLess(time.monotonic() - start, 15)
        self.assertIn("started", ran.output)

    def test_the_whole_process_group_is_stopped(self):
        with tempfile.TemporaryDirectory() as d:
            marker = pathlib.Path(d) / "late"
            ran = grade.run_limited(["sh", "-c", f"(sleep 3; touch {marker}) & sleep 30"], 1)
            self.assertTrue(ran.timed_out)
            time.sleep(3.5)
            self.assertFalse(marker.exists(), "a child of the stopped command kept running")

    def test_signal_and_exit_status(self):
        ran = grade.run_limited(["sh", "-c", "kill -SEGV $$"], 10)
        self.assertFalse(ran.timed_out)
        self.assertEqual(ran.signal, 11)
        ran = grade.run_limited(["sh", "-c", "echo hi; exit 3"], 10)
        self.assertEqual((ran.rc, ran.signal, ran.output.strip()), (3, None, "hi"))
        ran = grade.run_limited(["/nonexistent/program"], 10)
        self.assertEqual(ran.rc, 127)


class BuildErrors(unittest.TestCase):
    FILES = ["02_sequential.cu", "05_warp_shuffle.cu", "07_single_pass.cu"]
    STEPS = ["sequential", "warp_shuffle", "single_pass"]

    def test_nvcc_error_under_ninja(self):
        out = textwrap.dedent("""\
            [3/9] Building CUDA object CMakeFiles/ch04_exercises.dir/generated/ch04_exercises/02_sequential.cu.o
            FAILED: CMakeFiles/ch04_exercises.dir/generated/ch04_exercises/05_warp_shuffle.cu.o
            /usr/local/cuda/bin/nvcc -forward-unknown-to-host-compiler ... -c /w/build/generated/ch04_exercises/05_warp_shuffle.cu
            /w/src/chapters/04-reduction/05_warp_shuffle.cu(26): error: identifier "warp_reduce_sum" is undefined
            1 error detected in the compilation of "/w/build/generated/ch04_exercises/05_warp_shuffle.cu".
            ninja: build stopped: cannot make progress due to previous errors.
            """)
        blamed = grade.attribute_build_errors(out, self.FILES, self.STEPS)
        self.assertEqual(list(blamed), ["05_warp_shuffle.cu"])
        self.assertIn('identifier "warp_reduce_sum" is undefined', blamed["05_warp_shuffle.cu"])

    def test_make_and_ptxas(self):
        out = textwrap.dedent("""\
            ptxas error   : Entry function '_ZN4ch0412_GLOBAL__N_1' uses too much shared data (0x12000 bytes, 0xc000 max)
            gmake[2]: *** [CMakeFiles/ch04_exercises.dir/build.make:160: CMakeFiles/ch04_exercises.dir/generated/ch04_exercises/07_single_pass.cu.o] Error 255
            """)
        blamed = grade.attribute_build_errors(out, self.FILES, self.STEPS)
        self.assertEqual(list(blamed), ["07_single_pass.cu"])

    def test_link_error_names_the_launcher(self):
        out = ("/usr/bin/ld: libch04_exercises.a(reduction.cu.o): in function `ch04::steps()': "
               "undefined reference to `ch04::launch_warp_shuffle(ch04::ReduceArgs const&, "
               "CUstream_st*)'\ncollect2: error: ld returned 1 exit status\n")
        blamed = grade.attribute_build_errors(out, self.FILES, self.STEPS)
        self.assertEqual(list(blamed), ["05_warp_shuffle.cu"])

    def test_nothing_to_blame(self):
        self.assertEqual(grade.attribute_build_errors("error: disk full\n", self.FILES,
                                                      self.STEPS), {})


class CheckWords(unittest.TestCase):
    OUTPUT = textwrap.dedent("""\
        [wb] seed 1 (reproduce with WB_SEED=1)
        [check] chapter 04: your exercises, judged by the tests the reference solutions pass
        [check] 2 exercise(s) NOT FINISHED yet (the file still has its WB_EXERCISE_TODO statement):
          - unroll_last_warp  (/w/chapters/04-reduction/04_unroll_last_warp.cu)
              hint: stop the loop at s = 64 - then (a) one warp
          - single_pass  (/w/chapters/04-reduction/07_single_pass.cu)
              hint: x
        [check] write the kernel, delete its WB_EXERCISE_TODO statement, and run the check again.
        SKIPPED: these tests need a CUDA GPU: none.
        """)

    def test_unfinished_list(self):
        self.assertEqual(grade.parse_unfinished(self.OUTPUT), ["unroll_last_warp", "single_pass"])
        self.assertEqual(grade.parse_unfinished("[check] chapter 04: ...\n[check] PASSED\n"), [])
        self.assertIsNone(grade.parse_unfinished("something else entirely\n"))

    def test_static_unfinished(self):
        with tempfile.TemporaryDirectory() as d:
            p = pathlib.Path(d) / "x.cu"
            p.write_text('// WB_EXERCISE_TODO("a", "b");\nint x;\n')
            self.assertFalse(grade.static_unfinished(p))
            p.write_text('WB_EXERCISE_TODO("a",\n "b");\n')
            self.assertTrue(grade.static_unfinished(p))


class Submissions(unittest.TestCase):
    def test_layouts(self):
        names = ["02_a.cu", "03_b.cu", "04_c.cu", "05_d.cu"]
        with tempfile.TemporaryDirectory() as d:
            s = pathlib.Path(d)
            (s / "chapters/04-x").mkdir(parents=True)
            (s / "chapters/04-x/02_a.cu").write_text("a")
            (s / "04-x").mkdir()
            (s / "04-x/03_b.cu").write_text("b")
            (s / "04_c.cu").write_text("c")
            (s / "build/generated").mkdir(parents=True)
            (s / "build/generated/05_d.cu").write_text("wrapper, not the learner's")
            found = grade.find_submission_files(s, "04-x", names)
            self.assertEqual({k: v.read_text() for k, v in found.items()},
                             {"02_a.cu": "a", "03_b.cu": "b", "04_c.cu": "c"})


class Report(unittest.TestCase):
    def outcomes(self):
        a = grade.Outcome("02_a.cu", "a")
        a.status, a.mine_ms, a.ref_ms, a.ratio, a.size = grade.PASS, 1.1, 1.0, 1.1, "8/0"
        b = grade.Outcome("03_b.cu", "b")
        b.status, b.shape, b.message = grade.FAIL, "n = 33", "CHECK( report.ok() ) | x"
        b.timing_note = "not timed"
        c = grade.Outcome("04_c.cu", "c")
        c.status, c.message = grade.UNFINISHED, "still marked WB_EXERCISE_TODO: not tested"
        return [a, b, c]

    def test_markdown_and_csv(self):
        with tempfile.TemporaryDirectory() as d:
            md, cs = pathlib.Path(d) / "r.md", pathlib.Path(d) / "r.csv"
            meta = {"chapter": "04", "slug": "04-x", "gpu": "NVIDIA H100", "headline": "size 8/0"}
            grade.write_report(meta, [("alice", ["a note"], self.outcomes())], md, cs)
            text = md.read_text()
            self.assertIn("| alice | pass (1.10x) | FAIL | unfinished |", text)
            self.assertIn("| b | FAIL | n = 33 | CHECK( report.ok() ) \\| x | not timed |", text)
            self.assertIn("1.1000 ms vs 1.0000 ms = 1.10x", text)
            self.assertNotIn("NOTHING WAS RUN", text)
            with open(cs, newline="") as f:
                rows = list(csv.DictReader(f))
            self.assertEqual([r["status"] for r in rows], ["pass", "FAIL", "unfinished"])
            self.assertEqual(rows[0]["ratio"], "1.1000")

    def test_no_gpu_says_nothing_was_run(self):
        with tempfile.TemporaryDirectory() as d:
            md, cs = pathlib.Path(d) / "r.md", pathlib.Path(d) / "r.csv"
            meta = {"chapter": "04", "slug": "04-x", "gpu": "", "no_gpu_reason": "no driver"}
            grade.write_report(meta, [("bob", [], self.outcomes())], md, cs)
            self.assertIn("**NOTHING WAS RUN: no driver.**", md.read_text())


FAKE_CHECK = textwrap.dedent("""\
    #!/usr/bin/env bash
    # A fake ch04_check. Each exercise file in $FAKE_SRC says how its tests behave in a line
    # "// BEHAVIOUR: pass|fail|hang|segv|fault"; a stub still has its WB_EXERCISE_TODO statement.
    dir=$FAKE_SRC
    if [ "${CUDA_VISIBLE_DEVICES-unset}" = "" ]; then
      echo "[check] chapter 04: your exercises, judged by the tests the reference solutions pass"
      echo "[check] some exercise(s) NOT FINISHED yet (the file still has its WB_EXERCISE_TODO statement):"
      for f in "$dir"/[0-9][0-9]_*.cu; do
        b=$(basename "$f" .cu)
        grep -q '^WB_EXERCISE_TODO(' "$f" && printf '  - %s  (%s)\\n      hint: x\\n' "${b#*_}" "$f"
      done
      echo "SKIPPED: these tests need a CUDA GPU: none."
      exit 1
    fi
    step=""; xml=""; prev=""
    for a in "$@"; do
      [ "$prev" = --wb-step ] && step=$a
      [ "$prev" = -o ] && xml=$a
      prev=$a
    done
    case " $* " in *"[wb-grade-probe]"*) exit 0 ;; esac
    f=$(ls "$dir"/[0-9][0-9]_"$step".cu)
    behaviour=$(sed -n 's|^// BEHAVIOUR: *||p' "$f")
    case $behaviour in
      pass) cp "$FAKE_FIX/catch2-v2-pass.xml" "$xml"; exit 0 ;;
      fail) cp "$FAKE_FIX/catch2-v3-failures.xml" "$xml"; exit 3 ;;
      fault) cp "$FAKE_FIX/catch2-v3-gpu-fault.xml" "$xml"; exit 1 ;;
      hang) echo '<?xml version="1.0"?><Catch name="x"><Group name="x"><TestCase name="t">' >"$xml"; sleep 60 ;;
      segv) kill -SEGV $$ ;;
    esac
    exit 5
    """)

FAKE_BENCH_MINE = textwrap.dedent("""\
    #!/usr/bin/env bash
    # A fake chapter bench: one row per step the filter names (all steps for the reference), at
    # 1 ms, or at the time an exercise file says ("// TIME: 1.25").
    out=""; filter="."
    for a in "$@"; do
      case $a in --benchmark_out=*) out=${a#--benchmark_out=} ;; --benchmark_filter=*) filter=${a#--benchmark_filter=} ;; esac
    done
    {
      echo '{"context": {"wb_chapter": "ch04", "wb_gpu": "Fake GPU"}, "benchmarks": ['
      sep=""
      for step in naive sequential first_add unroll_last_warp warp_shuffle grid_stride vectorized single_pass; do
        echo "ch04/$step/8/0/" | grep -Eq "$filter" || continue
        ms=1.0
        f=$(ls "$FAKE_SRC"/[0-9][0-9]_"$step".cu 2>/dev/null)
        if [ "$(basename "$0")" = ch04_bench_mine ] && [ -n "$f" ]; then
          t=$(sed -n 's|^// TIME: *||p' "$f"); [ -n "$t" ] && ms=$t
        fi
        printf '%s{"name": "ch04/%s/8/0", "run_type": "iteration", "real_time": %s, "time_unit": "ms"}\\n' "$sep" "$step" "$ms"
        sep=","
      done
      echo ']}'
    } >"$out"
    """)


class FakeGrader(grade.Grader):
    """The grader with its builds and programs replaced by fakes (no CUDA toolchain, no GPU)."""

    fake_dir = None

    def prepare(self):
        self.restore_stubs()

    def build_targets(self, targets, log):
        bad = [p for p in (self.src / "chapters" / self.slug).glob("*.cu")
               if "SYNTAX ERROR" in p.read_text()]
        out = "".join(f"{p}(3): error: expected a ';'\n" for p in bad)
        pathlib.Path(log).write_text(out)
        return grade.Ran(1 if bad else 0, False, out, 0.1)

    def exe(self, name):
        return str(self.fake_dir / name)


class GraderWithFakes(unittest.TestCase):
    """The whole grading flow with a GPU, on fake programs: statuses, time limits, timing."""

    def test_flow(self):
        tmp = pathlib.Path(tempfile.mkdtemp())
        try:
            fake = tmp / "bin"
            fake.mkdir()
            for name, text in (("ch04_check", FAKE_CHECK), ("ch04_bench_mine", FAKE_BENCH_MINE),
                               ("ch04_bench", FAKE_BENCH_MINE)):
                (fake / name).write_text(text)
                (fake / name).chmod(0o755)
            subs = tmp / "subs"
            files = {"02_sequential.cu": "pass\n// TIME: 1.5", "03_first_add.cu": "hang",
                     "04_unroll_last_warp.cu": "segv", "05_warp_shuffle.cu": "fail",
                     "06_grid_stride.cu": "pass", "07_vectorized.cu": "fault",
                     "08_single_pass.cu": "pass"}
            for name, how in files.items():
                d = subs / "alice" / "chapters" / "04-reduction"
                d.mkdir(parents=True, exist_ok=True)
                (d / name).write_text(f"// BEHAVIOUR: {how}\n")
            bob = subs / "bob"
            bob.mkdir()
            (bob / "02_sequential.cu").write_text("// BEHAVIOUR: pass\nSYNTAX ERROR\n")
            (bob / "03_first_add.cu").write_text("// BEHAVIOUR: pass\n")
            ns = type("A", (), dict(chapter="04", submissions=str(subs), out=str(tmp / "out"),
                                    work=str(tmp / "work"), jobs=1, build_timeout=60,
                                    test_timeout=2, bench_timeout=30, no_bench=False, reps=None,
                                    seed=7, cuda_arch=None, prepare_only=False))()
            g = FakeGrader(ns)
            FakeGrader.fake_dir = fake
            os.environ["FAKE_SRC"] = str(g.src / "chapters" / g.slug)
            os.environ["FAKE_FIX"] = str(FIX)
            g.env.update(FAKE_SRC=os.environ["FAKE_SRC"], FAKE_FIX=str(FIX))
            start = time.monotonic()
            with open(os.devnull, "w") as quiet:
                old, sys.stdout = sys.stdout, quiet
                try:
                    self.assertEqual(g.run(), 0)
                finally:
                    sys.stdout = old
            self.assertLess(time.monotonic() - start, 40)
            with open(tmp / "out" / "grade-chapter-04.csv", newline="") as f:
                rows = {(r["learner"], r["exercise"]): r for r in csv.DictReader(f)}
            status = {k: r["status"] for k, r in rows.items()}
            self.assertNotIn("grader failed", rows[("alice", "sequential")]["message"])
            self.assertEqual(status[("alice", "sequential")], "pass")
            self.assertEqual(status[("alice", "first_add")], "timed-out")
            self.assertEqual(status[("alice", "unroll_last_warp")], "crashed")
            self.assertIn("SIGSEGV", rows[("alice", "unroll_last_warp")]["message"])
            self.assertEqual(status[("alice", "warp_shuffle")], "FAIL")
            self.assertEqual(rows[("alice", "warp_shuffle")]["first_failing_shape"],
                             "n = 31, random inputs")
            self.assertEqual(status[("alice", "vectorized")], "crashed")
            self.assertIn("misaligned", rows[("alice", "vectorized")]["message"])
            self.assertEqual(rows[("alice", "sequential")]["ratio"], "1.5000")
            self.assertEqual(rows[("alice", "single_pass")]["ratio"], "1.0000")
            self.assertEqual(rows[("alice", "first_add")]["ratio"], "")
            self.assertEqual(status[("bob", "sequential")], "does-not-compile")
            self.assertIn("expected a ';'", rows[("bob", "sequential")]["message"])
            self.assertNotIn(str(g.src), rows[("bob", "sequential")]["message"])
            self.assertEqual(status[("bob", "first_add")], "pass")
            for step in ("unroll_last_warp", "warp_shuffle", "vectorized", "single_pass"):
                self.assertEqual(status[("bob", step)], "unfinished")
            md = (tmp / "out" / "grade-chapter-04.md").read_text()
            self.assertIn("- **GPU:** ", md)
            self.assertIn("| alice | pass (1.50x) | timed-out | crashed | FAIL | pass (1.00x) | "
                          "crashed | pass (1.00x) |", md)
            # The stubs are back in the scratch tree at the end.
            for name in files:
                self.assertEqual((g.src / "chapters" / g.slug / name).read_bytes(),
                                 (ROOT / "chapters" / "04-reduction" / name).read_bytes())
        finally:
            shutil.rmtree(tmp)


@unittest.skipUnless((ROOT / "solutions").is_dir(), "needs the instructor's workbook")
class VerifyCopy(unittest.TestCase):
    """The learner copy's check finds planted reference code and passes a clean copy."""

    def setUp(self):
        self.tmp = pathlib.Path(tempfile.mkdtemp())
        self.copy = self.tmp / "copy"
        shutil.copytree(ROOT / "chapters" / "04-reduction", self.copy / "chapters" / "04-reduction")
        (self.copy / "common").mkdir()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def findings(self):
        problems, _ = verify_learner_copy.verify(ROOT, self.copy, 4, ["solutions/", "*known_bad*"])
        return problems

    def test_clean(self):
        self.assertEqual(self.findings(), [])

    def test_solution_file_in_place_of_a_stub(self):
        shutil.copy(ROOT / "solutions/04-reduction/08_single_pass.cu",
                    self.copy / "chapters/04-reduction/08_single_pass.cu")
        found = "\n".join(self.findings())
        self.assertIn("the same code as solutions/04-reduction/08_single_pass.cu", found)

    def test_known_bad_by_name_and_solutions_folder(self):
        (self.copy / "solutions").mkdir()
        (self.copy / "tests").mkdir()
        (self.copy / "tests" / "known_bad_test.cpp").write_text("// empty\n")
        found = "\n".join(self.findings())
        self.assertIn("solutions/ folder", found)
        self.assertIn("tests/known_bad_test.cpp: a known-bad variant", found)

    def test_kernel_body_pasted_elsewhere_with_other_comments(self):
        body = (ROOT / "solutions/04-reduction/07_vectorized.cu").read_text()
        start = body.index("  float v = Op::identity();")
        end = body.index("  v = block_reduce(v, op, sWarp);")
        pasted = "// helpers\n" + body[start:end].replace("//", "// changed comment: ")
        (self.copy / "common" / "helpers.cuh").write_text(pasted)
        found = "\n".join(self.findings())
        self.assertIn("common/helpers.cuh: holds", found)
        self.assertIn("07_vectorized.cu", found)

    def test_known_bad_body_pasted(self):
        text = (ROOT / "solutions/04-reduction/known_bad_half_warp.cu").read_text()
        (self.copy / "common" / "warp_half.cuh").write_text(text.replace("known_bad", "kb"))
        self.assertTrue(any("known_bad_half_warp.cu" in f for f in self.findings()))

    def test_todo_comments_in_stubs_do_not_count(self):
        # The stubs' TODOs spell code out in comments; the copy of the shipped stubs is clean
        # (test_clean), and code in comments elsewhere is ignored too.
        body = (ROOT / "solutions/04-reduction/03_first_add.cu").read_text()
        start = body.index("  const std::int64_t i")
        end = body.index("  if (tid == 0) gOut[blockIdx.x] = sX[0];")
        commented = "\n".join("// " + line for line in body[start:end].splitlines())
        (self.copy / "common" / "notes.h").write_text(commented + "\n")
        self.assertEqual(self.findings(), [])


if __name__ == "__main__":
    unittest.main()
