// `diffinst resume RUN`: continue an interrupted run from its last checkpoint (model, optimizer, schedule,
// step, RNG and data position), giving the same result as an uninterrupted run. Weights-only starts use init_from.
import ArgumentParser
import Foundation
import Workbench

struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Continue a run from its last checkpoint (for a weights-only start, train with init_from=RUN instead).")

    @Argument(help: "Run directory, or <experiment>[/<run-id>] under the results folder (latest run).") var target: String
    @OptionGroup var options: WorkbenchOptions
    @Option(help: "Stop again after this step.") var stopAfter: Int?
    @Flag(help: "No progress bar or console output.") var quiet = false

    func run() throws {
        let directory = try locateRun(target, results: options.resultsPath)
        let outcome = try Trainer.resume(run: directory, options: TrainOptions(quiet: quiet, stopAfterStep: stopAfter))
        if !quiet { print("run: \(directory.path) now at step \(outcome.lastStep)") }
    }
}
