// `diffinst train EXP [key=value ...]`: one run of an experiment's base configuration with overrides.
import ArgumentParser
import Foundation
import Workbench

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train one run: Results/<experiment>/<run-id>/ with config.json, manifest.json, metrics.h5, checkpoints/, log.txt.",
        discussion: "Overrides are Hydra-style: sampler.steps=4 optimizer.lr=1e-4. Use `diffinst sweep` for key=a,b lists.")

    @Argument(help: "Experiment name (Experiments/<name>.toml) or path.") var experiment: String
    @Argument(help: "Overrides key.path=value.") var overrides: [String] = []
    @OptionGroup var options: WorkbenchOptions
    @Option(help: "Exact run directory to create (used by sweeps).") var runDir: String?
    @Option(help: "Refuse to run unless the resolved config has this hash (used by sweeps).") var expectHash: String?
    @Option(help: "Stop after this step as if interrupted (then `diffinst resume`).") var stopAfter: Int?
    @Flag(help: "Do nothing when a finished run with the same resolved config exists (used by notebooks).") var skipIfDone = false
    @Flag(help: "No progress bar or console output.") var quiet = false

    func run() throws {
        let plan = try options.plan(experiment, overrides, includeSweep: false)
        let config = plan.configs[0]
        if let expectHash, expectHash != config.hash {
            throw ValidationError("resolved config hash \(config.hash) differs from the expected \(expectHash): the experiment file changed since the sweep was planned")
        }
        if skipIfDone, let existing = finishedRun(config) {
            print("up to date: \(existing) (same config hash \(config.hash)); not retrained")
            return
        }
        let (run, outcome) = try Trainer.start(config: config, results: options.resultsPath, runDirectory: runDir,
                                              options: TrainOptions(quiet: quiet, stopAfterStep: stopAfter))
        if !quiet {
            let summary = outcome.finalEvaluation.keys.sorted().filter { !$0.contains(".cat.") }.prefix(8)
                .map { "\($0) = \(String(format: "%.4f", outcome.finalEvaluation[$0]!))" }.joined(separator: ", ")
            print("run: \(run.path)\nfinal evaluation: \(summary)")
        }
    }

    /// A finished run of the same config under Results/<experiment>/.
    func finishedRun(_ config: ResolvedConfig) -> String? {
        let folder = options.resultsPath + "/" + config.experiment
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        for entry in entries.sorted() {
            let run = RunDirectory(path: folder + "/" + entry)
            guard run.isRun, let other = try? ResolvedConfig.read(jsonFile: run.configPath), other.hash == config.hash,
                  let data = FileManager.default.contents(atPath: run.manifestPath),
                  let manifest = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  manifest["status"] as? String == "done" else { continue }
            return run.path
        }
        return nil
    }
}
