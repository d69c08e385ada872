// `diffinst config show EXP [overrides]`: the fully resolved config with each key's type, default, source and doc;
// also the options every workbench command shares (package root, results folder, experiment resolution).
import ArgumentParser
import Foundation
import Workbench

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Inspect experiment configs.", subcommands: [Show.self, Validate.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the resolved config with docs, defaults and where each value came from.")
        @Argument(help: "Experiment name or path.") var experiment: String
        @Argument(help: "Overrides key.path=value.") var overrides: [String] = []
        @OptionGroup var options: WorkbenchOptions
        @Flag(help: "Only keys that differ from their defaults.") var changed = false

        func run() throws {
            let plan = try options.plan(experiment, overrides, includeSweep: false)
            print(plan.configs[0].documented(onlyChanged: changed))
            let sweep = try options.plan(experiment, overrides.filter { !$0.contains(",") }, includeSweep: true)
            if sweep.configs.count > 1 { print("\n# the file's [sweep] section expands to \(sweep.configs.count) jobs (diffinst sweep \(experiment) --dry-run)") }
        }
    }

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate every experiment file (and its sweep) under Experiments/.")
        @OptionGroup var options: WorkbenchOptions

        func run() throws {
            let folder = options.rootPath + "/Experiments"
            var failures = 0
            for name in try FileManager.default.contentsOfDirectory(atPath: folder).filter({ $0.hasSuffix(".toml") }).sorted() {
                do {
                    let plan = try SweepPlan(experiment: ExperimentFile(path: folder + "/" + name), overrides: [], includeSweep: true)
                    print("ok    \(name): \(plan.configs.count) job\(plan.configs.count == 1 ? "" : "s")")
                } catch {
                    failures += 1
                    print("error \(error)")
                }
            }
            if failures > 0 { throw ExitCode(1) }
        }
    }
}


struct WorkbenchOptions: ParsableArguments {
    @Option(help: "Package root holding Experiments/ (default: nearest folder upward with a Package.swift).")
    var root: String?

    @Option(help: "Results folder (default: <root>/Results).")
    var results: String?

    var rootPath: String { root ?? packageRoot() }
    var resultsPath: String { results ?? rootPath + "/Results" }

    /// The running `diffinst` binary, for child processes (sweeps, notebooks).
    static var executablePath: String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    }

    /// Loads and resolves EXP with overrides; every key and value is validated here, before anything runs.
    func plan(_ experiment: String, _ overrides: [String], includeSweep: Bool) throws -> SweepPlan {
        let file = try ExperimentFile(path: ExperimentFile.locate(experiment, root: rootPath))
        return try SweepPlan(experiment: file, overrides: overrides.map { try Override.parse($0) }, includeSweep: includeSweep)
    }
}
