// `diffinst plot RUN...` / `diffinst plot SWEEP`: gnuplot figures (PNG + SVG, with .gp and .dat beside them).
import ArgumentParser
import Foundation
import Workbench

struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Plot runs (curves raw + debiased EMA, overlaid) or a sweep (seed bands, metric vs swept value, metric vs sampling steps).")

    @Argument(help: "Run directories / <experiment>[/<run-id>], or one sweep folder.") var targets: [String]
    @OptionGroup var options: WorkbenchOptions
    @Option(help: "Output folder (default: <run>/plots, <sweep>/plots, or Results/plots/<name> for several runs).") var out: String?
    @Option(help: "EMA weight in [0, 0.999] for smoothed curves.") var smoothing: Double = 0.9

    func run() throws {
        guard !targets.isEmpty else { throw ValidationError("give at least one run or sweep") }
        let written: [String]
        if targets.count == 1, let sweep = [targets[0], options.resultsPath + "/" + targets[0]].first(where: RunCollection.isSweep) {
            let collection = try RunCollection(sweep: sweep)
            guard !collection.runs.isEmpty else { throw ValidationError("\(sweep): no finished runs to plot yet") }
            written = try StandardPlots.plotSweep(collection, into: out ?? sweep + "/plots", smoothing: smoothing)
        } else {
            let runs = try targets.map { try RunRecord(locateRun($0, results: options.resultsPath)) }
            let folder = out ?? (runs.count == 1 ? runs[0].directory.plotsPath
                                 : options.resultsPath + "/plots/" + runs.map(\.directory.runID).joined(separator: "+").prefix(100))
            written = try StandardPlots.plotRuns(runs, into: folder, smoothing: smoothing)
        }
        for path in written { print("wrote \(path)") }
    }
}
