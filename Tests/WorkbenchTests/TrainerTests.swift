// The runner in-process on the toy task: resume equals an uninterrupted run bit for bit, a non-finite
// loss stops the run naming the scalar and keeps the last good checkpoint, init_from loads weights only.
import XCTest
import Recording
@testable import Workbench

final class TrainerTests: XCTestCase {
    func config(_ sandbox: Sandbox, _ overrides: [String] = []) throws -> ResolvedConfig {
        try sandbox.write("exp", toyExperiment)
        return try SweepPlan(experiment: sandbox.experiment("exp"), overrides: overrides.map { try Override.parse($0) }, includeSweep: false).configs[0]
    }

    func testResumeEqualsAnUninterruptedRun() throws {
        let sandbox = try Sandbox()
        let config = try self.config(sandbox)
        let quiet = TrainOptions(quiet: true)
        let (whole, _) = try Trainer.start(config: config, results: sandbox.results, runDirectory: sandbox.results + "/whole", options: quiet)
        // Interrupted after step 27: the last checkpoint is step 20; rows 21-27 were flushed and must be dropped on resume.
        let (broken, stopped) = try Trainer.start(config: config, results: sandbox.results, runDirectory: sandbox.results + "/broken",
                                                  options: TrainOptions(quiet: true, stopAfterStep: 27))
        XCTAssertEqual(stopped.lastStep, 27)
        XCTAssertEqual(broken.checkpoints().map { URL(fileURLWithPath: $0).lastPathComponent }.last, "step_000000020.h5")
        let resumed = try Trainer.resume(run: broken, options: quiet)
        XCTAssertEqual(resumed.lastStep, 40)

        let a = try RunMetrics(path: whole.metricsPath), b = try RunMetrics(path: broken.metricsPath)
        for name in ["step", "loss", "lr", "grad_norm", "batch_accuracy"] {
            XCTAssertEqual(a.train[name], b.train[name], name)
        }
        for name in a.evaluation.keys where name != "eval_time" { XCTAssertEqual(a.evaluation[name], b.evaluation[name], name) }
        let finalA = try CheckpointFile.read(from: whole.checkpoints().last!), finalB = try CheckpointFile.read(from: broken.checkpoints().last!)
        XCTAssertEqual(Set(finalA.tensors.keys), Set(finalB.tensors.keys))
        for (name, tensor) in finalA.tensors { XCTAssertEqual(tensor.scalars, finalB.tensors[name]!.scalars, name) }
        XCTAssertEqual(finalA.integers, finalB.integers)
        let manifest = try JSONDecoder().decode(RunManifest.self, from: Data(contentsOf: URL(fileURLWithPath: broken.manifestPath)))
        XCTAssertEqual(manifest.status, "done")
        XCTAssertEqual(manifest.resumedFrom.count, 1)
        XCTAssertEqual(manifest.seeds["base"], 3)
    }

    func testEngineTaskMatchesThePlainReferenceAndResumesExactly() throws {
        let sandbox = try Sandbox()
        let plain = ToyClassificationTask(config: try config(sandbox))
        let engine = try EngineToyTask(config: try config(sandbox, ["task=toy_mlp"]))
        // Same data, batches and initial weights: the losses of the two implementations agree step by step
        // (float32 engine vs float64 reference optimizer arithmetic, hence the tolerance).
        for step in 1...15 {
            let a = try plain.trainStep(step: step), b = try engine.trainStep(step: step)
            XCTAssertEqual(a["loss"]!, b["loss"]!, accuracy: 1e-4 * max(1, abs(a["loss"]!)), "step \(step)")
            XCTAssertEqual(a["lr"]!, b["lr"]!, accuracy: 1e-9, "step \(step)")
            XCTAssertEqual(a["grad_norm"]!, b["grad_norm"]!, accuracy: 1e-3 * max(1, a["grad_norm"]!), "step \(step)")
        }
        XCTAssertEqual(try plain.evaluate().metrics["accuracy"]!, try engine.evaluate().metrics["accuracy"]!, accuracy: 0.02)
        // Resume equality through the engine's own optimizer state.
        let config = try self.config(sandbox, ["task=toy_mlp"])
        let (whole, _) = try Trainer.start(config: config, results: sandbox.results, runDirectory: sandbox.results + "/engine-whole", options: TrainOptions(quiet: true))
        let (broken, _) = try Trainer.start(config: config, results: sandbox.results, runDirectory: sandbox.results + "/engine-broken", options: TrainOptions(quiet: true, stopAfterStep: 23))
        _ = try Trainer.resume(run: broken, options: TrainOptions(quiet: true))
        XCTAssertEqual(try RunMetrics(path: whole.metricsPath).train["loss"], try RunMetrics(path: broken.metricsPath).train["loss"])
    }

    func testResumeRefusesAChangedConfig() throws {
        let sandbox = try Sandbox()
        let (run, _) = try Trainer.start(config: try config(sandbox), results: sandbox.results, runDirectory: sandbox.results + "/run",
                                         options: TrainOptions(quiet: true, stopAfterStep: 15))
        let edited = try String(contentsOfFile: run.configPath, encoding: .utf8).replacingOccurrences(of: "\"toy.hidden\" : 16", with: "\"toy.hidden\" : 17")
        XCTAssertTrue(edited.contains("\"toy.hidden\" : 17"), "config.json layout changed; update this test")
        try edited.write(toFile: run.configPath, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Trainer.resume(run: run, options: TrainOptions(quiet: true))) { error in
            XCTAssertTrue("\(error)".contains("config hash"), "\(error)")
        }
    }

    func testNonFiniteLossStopsNamingTheTermAndKeepsTheLastGoodCheckpoint() throws {
        let sandbox = try Sandbox()
        // A huge rate with decoupled weight decay multiplies weights by (1 - lr*wd) each step: overflow within a few dozen steps.
        let config = try self.config(sandbox, ["optimizer.lr=20", "optimizer.weight_decay=0.5", "optimizer.clip_grad_norm=0", "train.checkpoint_every=1", "schedule.warmup_steps=0"])
        var runPath = ""
        XCTAssertThrowsError(try { runPath = try Trainer.start(config: config, results: sandbox.results, runDirectory: sandbox.results + "/nan", options: TrainOptions(quiet: true)).0.path }()) { error in
            XCTAssertTrue("\(error)".contains("non-finite"), "\(error)")
            XCTAssertTrue(["loss", "grad_norm", "model."].contains { "\(error)".contains($0) }, "\(error)")
            XCTAssertTrue("\(error)".contains("Last good checkpoint: step_"), "\(error)")
        }
        let run = RunDirectory(path: sandbox.results + "/nan")
        _ = runPath
        let last = try CheckpointFile.read(from: run.checkpoints().last!)
        XCTAssertTrue(last.tensors.values.allSatisfy { $0.scalars.allSatisfy(\.isFinite) }, "the kept checkpoint must be finite")
        let manifest = try String(contentsOfFile: run.manifestPath, encoding: .utf8)
        XCTAssertTrue(manifest.contains("failed: non-finite"), manifest)
        XCTAssertTrue(try String(contentsOfFile: run.logPath, encoding: .utf8).contains("non-finite"))
    }

    func testInitFromLoadsWeightsOnly() throws {
        let sandbox = try Sandbox()
        let (source, _) = try Trainer.start(config: try config(sandbox), results: sandbox.results, runDirectory: sandbox.results + "/source", options: TrainOptions(quiet: true))
        let trained = try CheckpointFile.read(from: source.checkpoints().last!)
        let task = ToyClassificationTask(config: try config(sandbox))
        try task.restore(trained.filtered(prefix: "model."), weightsOnly: true)
        let state = task.checkpointState()
        for (name, tensor) in trained.tensors where name.hasPrefix("model.") { XCTAssertEqual(state.tensors[name]!.scalars, tensor.scalars) }
        // Optimizer moments start fresh.
        XCTAssertTrue(state.tensors.filter { $0.key.hasPrefix("optimizer.") }.values.allSatisfy { $0.scalars.allSatisfy { $0 == 0 } })
        // Through the config key: the run starts at step 1 with the loaded weights (first loss below a fresh start's).
        let warm = try config(sandbox, ["init_from=\(source.path)", "train.max_steps=1"])
        let cold = try config(sandbox, ["train.max_steps=1"])
        let (warmRun, _) = try Trainer.start(config: warm, results: sandbox.results, options: TrainOptions(quiet: true))
        let (coldRun, _) = try Trainer.start(config: cold, results: sandbox.results, options: TrainOptions(quiet: true))
        let warmLoss = try RunMetrics(path: warmRun.metricsPath).train["loss"]!, coldLoss = try RunMetrics(path: coldRun.metricsPath).train["loss"]!
        XCTAssertEqual(warmLoss.count, 1)
        XCTAssertLessThan(warmLoss[0], coldLoss[0])
        XCTAssertThrowsError(try task.restore(CheckpointState(), weightsOnly: true)) { XCTAssertTrue("\($0)".contains("model.layer1.weight")) }
    }
}
