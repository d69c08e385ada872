// `diffinst report SWEEP`: Markdown + CSV table of every configuration (mean ± std over seeds, best marked).
import ArgumentParser
import Foundation
import Workbench

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write report.md and report.csv for a sweep: final and best metric, loss, time; mean ± std over seeds.")

    @Argument(help: "Sweep folder (Results/<experiment>/sweep-...).") var sweep: String
    @OptionGroup var options: WorkbenchOptions
    @Option(help: "Output folder (default: the sweep folder).") var out: String?

    func run() throws {
        guard let folder = [sweep, options.resultsPath + "/" + sweep].first(where: RunCollection.isSweep) else {
            throw ValidationError("\(sweep): not a sweep folder (no jobs.json)")
        }
        let report = SweepReport(try RunCollection(sweep: folder))
        print(report.markdown)
        for path in try report.write(to: out ?? folder) { print("wrote \(path)") }
    }
}
