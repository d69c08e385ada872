// The training loop around an ExperimentTask: logs every step's scalars to metrics.h5, evaluates and
// checkpoints periodically, stops on a non-finite scalar (naming it, keeping the last good checkpoint),
// writes the manifest at start and end, and resumes exactly from the last checkpoint.
import Foundation
import Recording

public struct TrainOptions {
    /// No progress bar or console lines (sweep children, tests).
    public var quiet = false
    /// Stop (as if interrupted) after this step, without a final checkpoint; for tests and demos of resume.
    public var stopAfterStep: Int?
    public init(quiet: Bool = false, stopAfterStep: Int? = nil) {
        self.quiet = quiet
        self.stopAfterStep = stopAfterStep
    }
}

public struct TrainingError: Error, CustomStringConvertible {
    public let description: String
}

/// Summary of a finished (or stopped) run.
public struct TrainOutcome {
    public var lastStep: Int
    public var finalEvaluation: [String: Double]
    public var wallSeconds: Double
}

public final class Trainer {
    public let config: ResolvedConfig
    public let run: RunDirectory
    public let options: TrainOptions

    public init(config: ResolvedConfig, run: RunDirectory, options: TrainOptions = TrainOptions()) {
        self.config = config
        self.run = run
        self.options = options
    }

    /// Creates a fresh run directory for `config` under `results/<experiment>/` and trains it.
    public static func start(config: ResolvedConfig, results: String, runDirectory: String? = nil, options: TrainOptions = TrainOptions()) throws -> (RunDirectory, TrainOutcome) {
        let run: RunDirectory
        if let runDirectory {
            let url = URL(fileURLWithPath: runDirectory)
            run = try RunDirectory.create(parent: url.deletingLastPathComponent().path, runID: url.lastPathComponent, configJSON: config.jsonString, exact: true)
        } else {
            run = try RunDirectory.create(parent: results + "/" + config.experiment, runID: config.runID, configJSON: config.jsonString)
        }
        let outcome = try Trainer(config: config, run: run, options: options).train(resume: false)
        return (run, outcome)
    }

    /// Continues the run in `run` from its last checkpoint (config from its config.json).
    public static func resume(run: RunDirectory, options: TrainOptions = TrainOptions()) throws -> TrainOutcome {
        let config = try ResolvedConfig.read(jsonFile: run.configPath)
        return try Trainer(config: config, run: run, options: options).train(resume: true)
    }

    func say(_ text: String) {
        run.log(text)
        if !options.quiet { print(text); fflush(stdout) }
    }

    public func train(resume: Bool) throws -> TrainOutcome {
        let started = Date()
        let task = try CompositionRoot.makeTask(config)
        var manifest = RunManifest.capture(experiment: config.experiment, runID: run.runID, seeds: config.seeds, repository: packageRoot())
        var startStep = 0
        var budget = TimeBudget(config: config)
        var maxSteps = config.int("train.max_steps")
        if resume {
            if let previous = try? Data(contentsOf: URL(fileURLWithPath: run.manifestPath)),
               let old = try? JSONDecoder().decode(RunManifest.self, from: previous) {
                manifest.startTime = old.startTime
                manifest.resumedFrom = old.resumedFrom
                manifest.wallSeconds = old.wallSeconds
                manifest.plannedSteps = old.plannedSteps
                // Without a budget checkpoint figure (below), the earlier sessions' count, redone steps included.
                budget.restore(trainingSeconds: old.trainingSeconds ?? 0)
            }
            if let last = run.checkpoints().last {
                let state = try CheckpointFile.read(from: last)
                if let saved = state.bytes["trainer.config_hash"].map({ String(decoding: $0, as: UTF8.self) }), saved != config.hash {
                    throw TrainingError(description: "\(last) was written with config hash \(saved), but \(run.configPath) now hashes to \(config.hash); "
                                        + "resume continues the same configuration only (start a new run with init_from=\(run.path) to change it)")
                }
                try task.restore(state, weightsOnly: false)
                startStep = state.integers["trainer.step"] ?? 0
                if let used = state.integers[TimeBudget.trainingKey] { budget.restore(trainingSeconds: Double(used) / 1000) }
                if budget.isActive, let planned = state.integers[TimeBudget.plannedKey] {
                    maxSteps = planned
                    task.plan(totalSteps: planned)
                    manifest.plannedSteps = planned
                }
                manifest.resumedFrom.append("\(URL(fileURLWithPath: last).lastPathComponent) at \(RunManifest.timestamp(Date()))")
                say("resuming \(run.path) from \(last) (step \(startStep))")
            } else {
                say("resuming \(run.path): no checkpoint yet, starting from step 0")
            }
        } else if !config.string("init_from").isEmpty {
            let source = try checkpointPath(for: config.string("init_from"))
            try task.restore(CheckpointFile.read(from: source).filtered(prefix: "model."), weightsOnly: true)
            say("initialised weights (model.* only) from \(source)")
        }
        let writer = try MetricsWriter(path: run.metricsPath, continueExisting: resume, flushEvery: config.int("train.flush_every"))
        // Rows logged after the checkpoint we resume from belong to the lost future; drop them.
        if resume { try writer.truncate(afterStep: startStep) }
        try writer.setAttribute("config", json: config.jsonString)
        try writer.setAttribute("experiment", json: config.experiment)
        try writer.setAttribute("run_id", json: run.runID)
        try writer.setAttribute("primary_metric", json: config.string("evaluation.primary_metric").isEmpty ? task.primaryMetric : config.string("evaluation.primary_metric"))
        try writer.setAttribute("higher_is_better", json: task.higherIsBetter ? "true" : "false")
        try writeManifest(&manifest, writer: writer, status: "running", started: nil)
        if !resume { say("run \(run.path): \(config.label), \(task.parameterCount) parameters, seeds \(config.seeds.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))") }

        let evalEvery = config.int("train.eval_every"), checkpointEvery = config.int("train.checkpoint_every"), logEvery = config.int("train.log_every")
        let progress = ProgressBar(total: maxSteps, startStep: startStep, label: config.experiment, quiet: options.quiet)
        var lastEvaluation: [String: Double] = [:]
        var step = startStep
        while step < maxSteps {
            step += 1
            let stepStart = Date()
            var scalars = try task.trainStep(step: step)
            scalars["step_time"] = Date().timeIntervalSince(stepStart)
            // Name the first bad loss term if any (the usual culprit), else the first bad scalar.
            let badKeys = scalars.filter { !$0.value.isFinite }.keys.sorted { ($0.hasPrefix("loss") ? 0 : 1, $0) < ($1.hasPrefix("loss") ? 0 : 1, $1) }
            if let bad = badKeys.first {
                try writer.logTraining(step: step, scalars: scalars)
                try writer.flush()
                let kept = run.checkpoints().last.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "none"
                let message = "non-finite \(bad) = \(scalars[bad]!) at step \(step); stopped. Last good checkpoint: \(kept). Try a lower optimizer.lr or a gradient clip (optimizer.clip_grad_norm)."
                say(message)
                try writeManifest(&manifest, writer: writer, status: "failed: non-finite \(bad) at step \(step)", started: started, trainingSeconds: budget.trainingSeconds)
                throw TrainingError(description: "\(run.path): \(message)")
            }
            budget.record(stepTime: scalars["step_time"]!)
            if let planned = budget.plan(after: step, planned: maxSteps) {
                replan(to: planned, from: &maxSteps, at: step, budget: budget, task: task, manifest: &manifest, writer: writer, progress: progress)
            }
            if step % logEvery == 0 || step == maxSteps { try writer.logTraining(step: step, scalars: scalars) }
            progress.update(step: step, loss: scalars["loss"])
            if (evalEvery > 0 && step % evalEvery == 0) || step == maxSteps {
                let evalStart = Date()
                var metrics = try task.evaluate().metrics
                metrics["eval_time"] = Date().timeIntervalSince(evalStart)
                try writer.logEvaluation(step: step, metrics: metrics)
                lastEvaluation = metrics
                let primary = config.string("evaluation.primary_metric").isEmpty ? task.primaryMetric : config.string("evaluation.primary_metric")
                run.log("eval step \(step): \(primary) = \(metrics[primary].map { String(format: "%.4f", $0) } ?? "n/a")")
            }
            if (checkpointEvery > 0 && step % checkpointEvery == 0) || step == maxSteps {
                try writer.flush()
                var state = task.checkpointState()
                // A finite loss can still be followed by an update that overflows; never save such a state.
                if let bad = state.tensors.keys.sorted().first(where: { !state.tensors[$0]!.scalars.allSatisfy(\.isFinite) }) {
                    let kept = run.checkpoints().last.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "none"
                    let message = "non-finite values in \(bad) after step \(step); stopped without saving it. Last good checkpoint: \(kept). Try a lower optimizer.lr or a gradient clip (optimizer.clip_grad_norm)."
                    say(message)
                    try writeManifest(&manifest, writer: writer, status: "failed: non-finite \(bad) after step \(step)", started: started, trainingSeconds: budget.trainingSeconds)
                    throw TrainingError(description: "\(run.path): \(message)")
                }
                state.integers["trainer.step"] = step
                // Only budget runs store wall-clock figures: other runs' checkpoints stay equal across a resume.
                if budget.isActive {
                    state.integers[TimeBudget.plannedKey] = maxSteps
                    state.integers[TimeBudget.trainingKey] = budget.trainingMilliseconds
                }
                state.bytes["trainer.config_hash"] = Array(config.hash.utf8)
                try saveCheckpoint(state, step: step)
            }
            if let stop = options.stopAfterStep, step >= stop, step < maxSteps {
                try writer.flush()
                say("stopped after step \(step) as asked (--stop-after); continue with `diffinst resume \(run.path)`")
                try writeManifest(&manifest, writer: writer, status: "interrupted at step \(step)", started: started, trainingSeconds: budget.trainingSeconds)
                return TrainOutcome(lastStep: step, finalEvaluation: lastEvaluation, wallSeconds: Date().timeIntervalSince(started))
            }
        }
        try writer.flush()
        try writeManifest(&manifest, writer: writer, status: "done", started: started, trainingSeconds: budget.trainingSeconds)
        say("finished \(run.path) at step \(step) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        return TrainOutcome(lastStep: step, finalEvaluation: lastEvaluation, wallSeconds: Date().timeIntervalSince(started))
    }

    /// Moves the run's end to `planned` (train.time_budget_minutes): the task's schedule, the progress bar,
    /// the log (first plan and real changes) and the manifest follow.
    func replan(to planned: Int, from maxSteps: inout Int, at step: Int, budget: TimeBudget, task: ExperimentTask,
                manifest: inout RunManifest, writer: MetricsWriter, progress: ProgressBar) {
        let first = manifest.plannedSteps == nil
        let minutes = String(format: "%.1f of %.1f", budget.trainingSeconds / 60, budget.seconds / 60)
        if planned == step && step < maxSteps {
            say("time budget: \(minutes) training minutes used at step \(step); ending the run here (planned \(maxSteps))")
        } else if first || abs(planned - maxSteps) * 100 >= maxSteps {
            say("time budget: \(minutes) training minutes used at step \(step); training ends at step \(planned)" + (planned == budget.cap ? " (train.max_steps cap)" : ""))
        }
        maxSteps = planned
        task.plan(totalSteps: planned)
        progress.total = planned
        manifest.plannedSteps = planned
        try? writer.setAttribute("manifest", json: manifest.json())
    }

    func saveCheckpoint(_ state: CheckpointState, step: Int) throws {
        try CheckpointFile.write(state, to: run.checkpointsPath + "/" + RunDirectory.checkpointName(step: step))
        let all = run.checkpoints()
        for old in all.dropLast(config.int("train.keep_checkpoints")) { try? FileManager.default.removeItem(atPath: old) }
    }

    /// A checkpoint file, or a run directory (its last checkpoint).
    func checkpointPath(for source: String) throws -> String {
        let root = packageRoot()
        for candidate in [source, root + "/" + source] {
            if candidate.hasSuffix(".h5"), FileManager.default.fileExists(atPath: candidate) { return candidate }
            if let last = RunDirectory(path: candidate).checkpoints().last { return last }
        }
        throw TaskError("init_from = '\(source)': no checkpoint file or run directory with checkpoints there")
    }

    /// Writes manifest.json (atomically) and the `manifest` attribute; `started` set means the run ended.
    func writeManifest(_ manifest: inout RunManifest, writer: MetricsWriter, status: String, started: Date?, trainingSeconds: Double? = nil) throws {
        manifest.status = status
        if let started {
            manifest.trainingSeconds = trainingSeconds ?? manifest.trainingSeconds
            manifest.endTime = RunManifest.timestamp(Date())
            manifest.wallSeconds = (manifest.wallSeconds ?? 0) + Date().timeIntervalSince(started)
        }
        try manifest.json().write(toFile: run.manifestPath, atomically: true, encoding: .utf8)
        try writer.setAttribute("manifest", json: manifest.json())
    }
}
