// `diffinst report`: one row per configuration of a sweep with final and best primary metric, final
// training loss and training time, each as mean ± std over seeds; the best value per column is marked
// (bold in Markdown, `best_*` flags in CSV).
import Foundation
import Plotting

public struct SweepReport {
    public struct Row {
        public var configuration: String
        public var seeds: [Int]
        public var final: Statistics
        public var best: Statistics
        public var bestStep: Double
        public var loss: Statistics
        public var seconds: Statistics
    }

    public let title: String
    public let metric: String
    public let higherIsBetter: Bool
    public let rows: [Row]
    public let jobStates: [String: Int]

    public init(_ collection: RunCollection) {
        title = collection.title
        metric = collection.primaryMetric
        higherIsBetter = collection.runs.first?.higherIsBetter ?? true
        jobStates = collection.jobStates
        rows = collection.groups.map { group in
            let bests = group.runs.compactMap { $0.bestMetric(collection.primaryMetric) }
            return Row(configuration: group.label,
                       seeds: group.runs.map(\.seed),
                       final: Statistics(group.runs.compactMap { $0.finalMetric(collection.primaryMetric) }),
                       best: Statistics(bests.map(\.value)),
                       bestStep: bests.map(\.step).max() ?? .nan,
                       loss: Statistics(group.runs.compactMap { $0.finalTrainingValue("loss") }),
                       seconds: Statistics(group.runs.compactMap { $0.manifest?.wallSeconds }))
        }
    }

    /// Index of the best row for a column (metric columns follow `higherIsBetter`; loss and time: lower).
    func bestIndex(_ value: (Row) -> Double, higher: Bool) -> Int? {
        let candidates = rows.indices.filter { value(rows[$0]).isFinite }
        return higher ? candidates.max { value(rows[$0]) < value(rows[$1]) } : candidates.min { value(rows[$0]) < value(rows[$1]) }
    }

    var bests: (final: Int?, best: Int?, loss: Int?, time: Int?) {
        (bestIndex({ $0.final.mean }, higher: higherIsBetter), bestIndex({ $0.best.mean }, higher: higherIsBetter),
         bestIndex({ $0.loss.mean }, higher: false), bestIndex({ $0.seconds.mean }, higher: false))
    }

    static func cell(_ s: Statistics, digits: Int = 4) -> String {
        guard s.count > 0 else { return "n/a" }
        let format = "%.\(digits)f"
        return s.count > 1 ? String(format: format, s.mean) + " ± " + String(format: format, s.std) : String(format: format, s.mean)
    }

    public var markdown: String {
        let b = bests
        var lines = ["# Sweep report: \(title)", "",
                     "Primary metric: `\(metric)` (\(higherIsBetter ? "higher" : "lower") is better). Values are mean ± std over seeds; "
                     + "**bold** marks the best value of each column. Final loss is the mean of the last 10% of logged steps.", ""]
        if !jobStates.isEmpty {
            lines.append("Jobs: " + jobStates.keys.sorted().map { "\(jobStates[$0]!) \($0)" }.joined(separator: ", "))
            lines.append("")
        }
        lines.append("| configuration | seeds | final \(metric) | best \(metric) (step) | final train loss | train time (s) |")
        lines.append("|---|---|---|---|---|---|")
        for (i, row) in rows.enumerated() {
            func mark(_ text: String, _ best: Int?) -> String { best == i ? "**\(text)**" : text }
            lines.append("| \(row.configuration) | \(row.seeds.map(String.init).joined(separator: " ")) | "
                         + mark(SweepReport.cell(row.final), b.final) + " | "
                         + mark(SweepReport.cell(row.best), b.best) + (row.bestStep.isFinite ? " (\(Int(row.bestStep)))" : "") + " | "
                         + mark(SweepReport.cell(row.loss), b.loss) + " | "
                         + mark(SweepReport.cell(row.seconds, digits: 1), b.time) + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public var csv: String {
        let b = bests
        var lines = ["configuration,seeds,final_mean,final_std,best_mean,best_std,best_step,loss_mean,loss_std,seconds_mean,seconds_std,best_final,best_best,best_loss,best_time"]
        func number(_ v: Double) -> String { v.isFinite ? String(format: "%.6g", v) : "" }
        for (i, row) in rows.enumerated() {
            let quoted = "\"" + row.configuration.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            lines.append([quoted, row.seeds.map(String.init).joined(separator: " "),
                          number(row.final.mean), number(row.final.std), number(row.best.mean), number(row.best.std), number(row.bestStep),
                          number(row.loss.mean), number(row.loss.std), number(row.seconds.mean), number(row.seconds.std),
                          b.final == i ? "1" : "0", b.best == i ? "1" : "0", b.loss == i ? "1" : "0", b.time == i ? "1" : "0"].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes report.md and report.csv into `directory`; returns their paths.
    public func write(to directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let md = directory + "/report.md", table = directory + "/report.csv"
        try markdown.write(toFile: md, atomically: true, encoding: .utf8)
        try csv.write(toFile: table, atomically: true, encoding: .utf8)
        return [md, table]
    }
}
