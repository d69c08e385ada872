// End to end through the real `diffinst` executable: the run file read by h5py against the documented
// schema, crash safety (a child killed mid-run leaves a readable file), a 2-job sweep with report, plots
// and --resume, a failing sweep job recorded with its reason, and a notebook rendered.
import XCTest
import Recording
@testable import Workbench

final class EndToEndTests: XCTestCase {
    /// Checks the README schema with h5py: attributes, /train and /eval series, dtype, chunking, unlimited size.
    static let schemaCheck = """
    import sys, json, h5py, numpy as np
    f = h5py.File(sys.argv[1], 'r')
    assert f.attrs['schema'] in (b'diffinst-metrics/1', 'diffinst-metrics/1'), f.attrs['schema']
    def text(v): return v.decode() if isinstance(v, bytes) else v
    config = json.loads(text(f.attrs['config'])); manifest = json.loads(text(f.attrs['manifest']))
    assert config['values']['task'] == 'toy' and 'hash' in config
    for key in ('gitCommit', 'gitDirty', 'swiftVersion', 'blasConfiguration', 'cpuModel', 'seeds', 'startTime'): assert key in manifest, key
    assert text(f.attrs['primary_metric']) == 'accuracy'
    n = len(f['train/step'])
    for name in ('step', 'loss', 'lr', 'grad_norm', 'step_time', 'data_time'):
        d = f['train/' + name]
        assert d.dtype == np.float64 and d.ndim == 1 and d.maxshape == (None,) and d.chunks is not None, name
        assert len(d) == n, (name, len(d), n)
    steps = f['train/step'][:]
    assert np.all(np.diff(steps) > 0)
    assert np.all(np.isfinite(f['train/loss'][:]))
    e = f['eval']
    assert list(e['step'][:]) == [10.0, 20.0, 30.0, 40.0], list(e['step'][:])
    for name in ('accuracy', 'loss', 'accuracy@steps=1', 'accuracy@steps=2', 'accuracy@steps=2.std', 'accuracy.cat.class0'):
        assert len(e[name]) == 4, name
    print('rows', n, 'last', steps[-1])
    """

    func testRunFileMatchesTheDocumentedSchemaInH5py() throws {
        guard let python = pythonWithH5py() else { throw XCTSkip("python3 with h5py is missing (apt-get install python3-h5py); schema check skipped") }
        let sandbox = try Sandbox()
        try sandbox.write("exp", toyExperiment)
        let (status, output) = try runDiffinst(["train", "exp", "--root", sandbox.root, "--run-dir", sandbox.results + "/run", "--quiet"], root: sandbox.root)
        XCTAssertEqual(status, 0, output)
        for file in ["config.json", "manifest.json", "metrics.h5", "log.txt", "checkpoints/step_000000040.h5"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: sandbox.results + "/run/" + file), file)
        }
        let (pyStatus, pyOutput) = try runPython(python, EndToEndTests.schemaCheck, [sandbox.results + "/run/metrics.h5"])
        XCTAssertEqual(pyStatus, 0, pyOutput)
        XCTAssertTrue(pyOutput.contains("rows 40 last 40.0"), pyOutput)
        // Checkpoints are HDF5 too, readable by h5py.
        let (ckStatus, ckOutput) = try runPython(python, "import sys,h5py; f=h5py.File(sys.argv[1],'r'); print(f['tensors/model.layer1.weight'].shape, int(f['integers/trainer.step'][()]))",
                                                 [sandbox.results + "/run/checkpoints/step_000000040.h5"])
        XCTAssertEqual(ckStatus, 0, ckOutput)
        XCTAssertTrue(ckOutput.contains("(16, 2) 40"), ckOutput)
    }

    func testKilledRunLeavesAReadableFile() throws {
        let sandbox = try Sandbox()
        try sandbox.write("exp", toyExperiment)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try diffinstExecutable())
        process.arguments = ["train", "exp", "--root", sandbox.root, "--run-dir", sandbox.results + "/run", "--quiet",
                             "toy.step_delay_ms=10", "train.max_steps=100000", "train.flush_every=1", "train.eval_every=15"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let metrics = sandbox.results + "/run/metrics.h5"
        // Kill at a moment unrelated to the flush cadence, once some rows are on disk.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            Thread.sleep(forTimeInterval: 0.037)
            if let log = try? String(contentsOfFile: sandbox.results + "/run/log.txt", encoding: .utf8), log.contains("eval step 45:") { break }
        }
        Thread.sleep(forTimeInterval: 0.071)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        let log = try RunMetrics(path: metrics)
        let steps = log.train["step"] ?? []
        XCTAssertGreaterThanOrEqual(steps.count, 40)
        XCTAssertEqual(steps, (1...steps.count).map(Double.init))
        XCTAssertEqual(log.train["loss"]?.count, steps.count)
        XCTAssertFalse(log.evaluation["step"]?.isEmpty ?? true)
        if let python = pythonWithH5py() {
            let (status, output) = try runPython(python, "import sys,h5py,numpy as np; f=h5py.File(sys.argv[1],'r'); s=f['train/step'][:]; assert np.all(np.diff(s)==1), s; print(len(s))", [metrics])
            XCTAssertEqual(status, 0, output)
        }
    }

    func testTwoJobSweepEndToEndWithReportPlotsAndResume() throws {
        let sandbox = try Sandbox()
        try sandbox.write("exp", toyExperiment + "\n[sweep.grid]\n\"toy.hidden\" = [4, 16]\n")
        let (status, output) = try runDiffinst(["sweep", "exp", "--root", sandbox.root, "--jobs", "2", "--quiet"], root: sandbox.root)
        XCTAssertEqual(status, 0, output)
        let sweeps = try FileManager.default.contentsOfDirectory(atPath: sandbox.results + "/exp").filter { $0.hasPrefix("sweep-") }
        XCTAssertEqual(sweeps.count, 1)
        let sweep = sandbox.results + "/exp/" + sweeps[0]
        let jobs = try JSONDecoder().decode([SweepJob].self, from: Data(contentsOf: URL(fileURLWithPath: sweep + "/jobs.json")))
        XCTAssertEqual(jobs.map(\.label), ["hidden=4", "hidden=16"])
        for job in jobs {
            let state = try JSONDecoder().decode(JobState.self, from: Data(contentsOf: URL(fileURLWithPath: String(format: "%@/jobs/%04d.json", sweep, job.index))))
            XCTAssertEqual(state.state, "done")
            let config = try ResolvedConfig.read(jsonFile: sweep + "/" + job.runID + "/config.json")
            XCTAssertEqual(config.hash, job.hash)
            let log = try String(contentsOfFile: String(format: "%@/jobs/%04d.log", sweep, job.index), encoding: .utf8)
            XCTAssertTrue(log.isEmpty || !log.contains("rror"), log)
        }
        let collection = try RunCollection(sweep: sweep)
        XCTAssertEqual(collection.runs.count, 2)
        let report = SweepReport(collection)
        XCTAssertEqual(report.rows.map(\.configuration), ["hidden=4", "hidden=16"])
        let tableRows = report.markdown.split(separator: "\n").filter { $0.hasPrefix("| hidden=") }
        XCTAssertEqual(tableRows.map { $0.components(separatedBy: "**").count - 1 }.reduce(0, +), 2 * 4, report.markdown)
        XCTAssertEqual(report.csv.split(separator: "\n").count, 3)
        if Gnuplot_isAvailable() {
            let plots = try StandardPlots.plotSweep(collection, into: sweep + "/plots")
            XCTAssertTrue(plots.contains { $0.hasSuffix("vs_toy_hidden.png") }, "\(plots)")
            XCTAssertTrue(plots.contains { $0.hasSuffix("steps_accuracy.png") }, "\(plots)")
            for png in plots { XCTAssertTrue(FileManager.default.fileExists(atPath: png.replacingOccurrences(of: ".png", with: ".gp")), png) }
        }
        // --resume finds the same sweep and skips both finished jobs.
        let (again, againOutput) = try runDiffinst(["sweep", "exp", "--root", sandbox.root, "--jobs", "2", "--resume"], root: sandbox.root)
        XCTAssertEqual(again, 0, againOutput)
        XCTAssertTrue(againOutput.contains("2 already done, 0 to run"), againOutput)
    }

    func testFailedSweepJobIsRecordedWithItsReason() throws {
        let sandbox = try Sandbox()
        try sandbox.write("exp", toyExperiment + "\n[sweep.grid]\n\"optimizer.weight_decay\" = [0.0, 0.5]\n")
        let (status, output) = try runDiffinst(["sweep", "exp", "--root", sandbox.root, "--jobs", "1",
                                                "optimizer.lr=20", "optimizer.clip_grad_norm=0", "schedule.warmup_steps=0"], root: sandbox.root)
        XCTAssertNotEqual(status, 0, output)
        XCTAssertTrue(output.contains("FAILED: lr=20.0,clip_grad_norm=0.0,warmup_steps=0,weight_decay=0.5"), output)
        let sweep = try FileManager.default.contentsOfDirectory(atPath: sandbox.results + "/exp").first { $0.hasPrefix("sweep-") }!
        let state = try JSONDecoder().decode(JobState.self, from: Data(contentsOf: URL(fileURLWithPath: sandbox.results + "/exp/" + sweep + "/jobs/0001.json")))
        XCTAssertEqual(state.state, "failed")
        XCTAssertTrue(state.reason?.contains("non-finite") ?? false, state.reason ?? "no reason")
    }

    func testNotebookRunsCommandsAndGnuplotBlocks() throws {
        try XCTSkipUnless(Gnuplot_isAvailable(), "gnuplot is not installed")
        let sandbox = try Sandbox()
        try sandbox.write("exp", toyExperiment)
        let notebook = sandbox.root + "/nb.md"
        try """
        # A test notebook

        ```diffinst
        train exp train.max_steps=20
        ```

        ```gnuplot
        plot '{{run:exp}}/log.txt' using 0:(1) with lines title 'lines of the log'
        ```
        """.write(toFile: notebook, atomically: true, encoding: .utf8)
        let (status, output) = try runDiffinst(["notebook", notebook, "--root", sandbox.root], root: sandbox.root)
        XCTAssertEqual(status, 0, output)
        let rendered = try String(contentsOfFile: sandbox.results + "/notebooks/nb.md", encoding: .utf8)
        XCTAssertTrue(rendered.contains("# A test notebook"))
        XCTAssertTrue(rendered.contains("![figure 1](nb_files/figure01.png)"), rendered)
        XCTAssertTrue(FileManager.default.fileExists(atPath: sandbox.results + "/notebooks/nb_files/figure01.png"))
        // Second pass: the run is up to date and is not retrained.
        let (_, second) = try runDiffinst(["notebook", notebook, "--root", sandbox.root], root: sandbox.root)
        XCTAssertTrue(try String(contentsOfFile: sandbox.results + "/notebooks/nb.md", encoding: .utf8).contains("up to date"), second)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: sandbox.results + "/exp").count, 1)
    }
}

func Gnuplot_isAvailable() -> Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/gnuplot") || runProcess("/usr/bin/env", ["which", "gnuplot"]) != nil }
