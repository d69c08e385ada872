// The figure sets behind `diffinst plot`: for runs, training curves (raw + EMA, overlaid), evaluation curves
// and metric vs sampling steps; for a sweep, additionally seed bands per configuration and the primary
// metric against each swept numeric key. Each figure is PNG + SVG with its .gp and .dat beside it.
import Foundation
import Plotting
import Recording

public enum StandardPlots {
    /// Training scalars worth a figure, in display order (loss terms first).
    static func trainingScalars(_ runs: [RunRecord]) -> [String] {
        let names = Set(runs.flatMap { $0.metrics.train.keys }).subtracting(["step", "epoch", "data_time", "step_time"])
        let losses = names.filter { $0.hasPrefix("loss") }.sorted()
        return losses + names.subtracting(losses).sorted() + ["step_time"].filter { runs.first?.metrics.train[$0] != nil }
    }

    static func evaluationMetrics(_ runs: [RunRecord]) -> [String] {
        Set(runs.flatMap { $0.metrics.evaluation.keys }).filter { $0 != "step" && !$0.contains("@steps=") && !$0.contains(".cat.") && !$0.hasSuffix(".std") }.sorted()
    }

    static func fileName(_ metric: String) -> String {
        String(metric.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "_" })
    }

    /// Figures for one or more runs; returns the PNG paths.
    public static func plotRuns(_ runs: [RunRecord], into directory: String, smoothing: Double = 0.9) throws -> [String] {
        var written: [String] = []
        let labeled = runs.map { run in LabeledRun(label: runs.count == 1 ? run.config.label : run.directory.runID, metrics: run.metrics) }
        for scalar in trainingScalars(runs) {
            written.append(try Gnuplot.render(Figures.curves(labeled, scalar: scalar, smoothing: smoothing), name: "train_" + fileName(scalar), in: directory)[0])
        }
        for metric in evaluationMetrics(runs) {
            written.append(try Gnuplot.render(Figures.curves(labeled, scalar: metric, evaluation: true), name: "eval_" + fileName(metric), in: directory)[0])
        }
        let primary = runs.first?.primaryMetric ?? "accuracy"
        if runs.contains(where: { !Figures.samplingStepPoints($0.metrics, metric: primary).isEmpty }) {
            written.append(try Gnuplot.render(Figures.metricVersusSamplingSteps(labeled, metric: primary), name: "steps_" + fileName(primary), in: directory)[0])
        }
        let timed = Figures.metricVersusTrainingTime(labeled, metric: primary)
        if !timed.series.isEmpty {
            written.append(try Gnuplot.render(timed, name: "time_" + fileName(primary), in: directory)[0])
        }
        return written
    }

    /// Figures for a sweep: every run's curves, seed bands per configuration, metric vs each swept key, metric vs steps.
    public static func plotSweep(_ collection: RunCollection, into directory: String, smoothing: Double = 0.9) throws -> [String] {
        var written: [String] = []
        let groups = collection.groups
        let primary = collection.primaryMetric
        for scalar in ["loss"] where collection.runs.contains(where: { $0.metrics.train[scalar] != nil }) {
            written.append(try Gnuplot.render(Figures.seedBands(groups.map { ($0.label, $0.runs.map(\.metrics)) }, scalar: scalar, smoothing: smoothing),
                                              name: "bands_train_" + fileName(scalar), in: directory)[0])
        }
        written.append(try Gnuplot.render(Figures.seedBands(groups.map { ($0.label, $0.runs.map(\.metrics)) }, scalar: primary, evaluation: true),
                                          name: "bands_eval_" + fileName(primary), in: directory)[0])
        written.append(try Gnuplot.render(Figures.curves(collection.runs.map(\.labeled), scalar: "loss", smoothing: smoothing),
                                          name: "all_train_loss", in: directory)[0])
        for key in collection.sweptKeys {
            let numeric = collection.runs.allSatisfy { $0.config.value(key).doubleValue != nil }
            guard numeric else { continue }
            // One line per combination of the other swept keys.
            var lines: [String: [Double: [Double]]] = [:], order: [String] = []
            for run in collection.runs {
                let others = run.config.settings.filter { $0.key != key && $0.key != "seeds.base" }
                    .map { "\($0.key.split(separator: ".").last!)=\($0.value)" }.joined(separator: ",")
                let label = others.isEmpty ? primary : others
                if lines[label] == nil { order.append(label) }
                if let value = run.finalMetric(primary) { lines[label, default: [:]][run.config.value(key).doubleValue!, default: []].append(value) }
            }
            let xs = Set(collection.runs.map { $0.config.value(key).doubleValue! })
            let logScale = (xs.min() ?? 0) > 0 && (xs.max() ?? 1) / (xs.min() ?? 1) >= 8
            let figure = Figures.metricVersusValue(order.map { label in (label, lines[label]!.map { (x: $0.key, values: $0.value) }) },
                                                   xName: key, metric: "final " + primary, logScaleX: logScale)
            written.append(try Gnuplot.render(figure, name: "vs_" + fileName(key), in: directory)[0])
        }
        if collection.runs.contains(where: { !Figures.samplingStepPoints($0.metrics, metric: primary).isEmpty }) {
            // Mean over seeds per configuration at each step count.
            var figure = Figure(title: "\(primary) vs sampling steps", xLabel: "sampling steps", yLabel: primary)
            figure.logScaleX = true
            figure.note = "mean ± std over seeds, last evaluation"
            for (index, group) in groups.enumerated() {
                var bySteps: [Double: [Double]] = [:]
                for run in group.runs { for point in Figures.samplingStepPoints(run.metrics, metric: primary) { bySteps[point.steps, default: []].append(point.value) } }
                let rows = bySteps.keys.sorted().map { steps -> [Double] in let s = Statistics(bySteps[steps]!); return [steps, s.mean, s.std] }
                figure.series.append(PlotSeries(title: group.label, columnNames: ["steps", "mean", "std"], rows: rows, style: .errorBars, colorIndex: index))
            }
            written.append(try Gnuplot.render(figure, name: "steps_" + fileName(primary), in: directory)[0])
        }
        return written
    }
}
