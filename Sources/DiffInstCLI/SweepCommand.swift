// `diffinst sweep EXP [key=a,b ...] [--jobs N] [--resume]`: expand the experiment's [sweep] section and
// command-line axes into jobs, write the job list, and run the jobs as parallel `diffinst train` children.
import ArgumentParser
import Foundation
import Workbench

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run every configuration of a sweep (grid x zip x random draws x seeds) as parallel child processes.",
        discussion: "Command-line axes: key=a,b,c or key=range(start,stop[,step]). The sweep folder is Results/<experiment>/sweep-<hash>/.")

    @Argument(help: "Experiment name or path.") var experiment: String
    @Argument(help: "Overrides key=value, or sweep axes key=a,b.") var overrides: [String] = []
    @OptionGroup var options: WorkbenchOptions
    @Option(name: .shortAndLong, help: "Jobs run at the same time (threads are shared out between them).") var jobs: Int = 1
    @Flag(help: "Continue the latest sweep of this plan: skip done jobs, retry failed ones.") var resume = false
    @Flag(help: "Print the job list and exit.") var dryRun = false
    @Flag(help: "Less console output.") var quiet = false

    func run() throws {
        let plan = try options.plan(experiment, overrides, includeSweep: true)
        if dryRun {
            for (index, config) in plan.configs.enumerated() { print(String(format: "%4d  ", index) + config.runID) }
            print("\(plan.configs.count) jobs")
            return
        }
        let directory = SweepRunner.directory(for: plan, results: options.resultsPath, resume: resume)
        let runner = SweepRunner(plan: plan, directory: directory, executable: WorkbenchOptions.executablePath, jobs: jobs, baseOverrides: overrides)
        runner.quiet = quiet
        let summary = try runner.run()
        print("sweep: \(directory)  (\(summary.done) done, \(summary.failed.count) failed)")
        print("next: diffinst report \(directory)   and   diffinst plot \(directory)")
        if !summary.failed.isEmpty { throw ExitCode(1) }
    }
}
