// The workbench's standard figures built from run logs: training curves (raw + debiased EMA, runs overlaid),
// mean ± std bands over seed replicates, a metric against a swept value, AP against sampling steps and
// AP against training time.
// Smoothing happens here, at plot time, on the full-resolution data; the raw curve is always drawn.
import Foundation
import Recording

public enum Smoothing {
    /// Exponential moving average with bias correction (TensorBoard's "debiased" EMA):
    /// `m_t = w·m_{t-1} + (1−w)·x_t`, reported as `m_t / (1 − w^t)`. NaNs are skipped; `weight` is capped at 0.999.
    public static func debiasedEMA(_ values: [Double], weight: Double) -> [Double] {
        let w = min(max(weight, 0), 0.999)
        var average = 0.0, count = 0
        return values.map { x in
            guard x.isFinite else { return .nan }
            count += 1
            average = w * average + (1 - w) * x
            return average / (1 - pow(w, Double(count)))
        }
    }
}

/// A run's log with the label to show for it.
public struct LabeledRun {
    public var label: String
    public var metrics: RunMetrics
    public init(label: String, metrics: RunMetrics) {
        self.label = label
        self.metrics = metrics
    }
}

public enum Figures {
    /// Curves of one training scalar (or evaluation metric with `evaluation: true`) for several runs:
    /// each run's raw curve faint and its debiased EMA on top.
    public static func curves(_ runs: [LabeledRun], scalar: String, evaluation: Bool = false, smoothing: Double = 0.9) -> Figure {
        var figure = Figure(title: scalar, xLabel: "step", yLabel: scalar)
        if !evaluation { figure.note = String(format: "raw (faint) and debiased EMA, weight %.3g", smoothing) }
        for (index, run) in runs.enumerated() {
            let curve = evaluation ? run.metrics.evaluationCurve(scalar) : run.metrics.trainingCurve(scalar)
            if evaluation {
                figure.series.append(PlotSeries(title: run.label, columnNames: ["step", scalar], rows: curve.map { [$0.step, $0.value] },
                                                style: .line(faint: false), colorIndex: index))
                continue
            }
            let smoothed = Smoothing.debiasedEMA(curve.map(\.value), weight: smoothing)
            figure.series.append(PlotSeries(title: "", columnNames: ["step", scalar + " (raw)"], rows: curve.map { [$0.step, $0.value] },
                                            style: .line(faint: true), colorIndex: index))
            figure.series.append(PlotSeries(title: run.label, columnNames: ["step", scalar + " (EMA)"],
                                            rows: zip(curve, smoothed).map { [$0.0.step, $0.1] }, style: .line(faint: false), colorIndex: index))
        }
        return figure
    }

    /// Mean ± std bands over the runs of each group (seed replicates), for one training scalar (smoothed first).
    public static func seedBands(_ groups: [(label: String, runs: [RunMetrics])], scalar: String, evaluation: Bool = false, smoothing: Double = 0.9) -> Figure {
        var figure = Figure(title: "\(scalar): mean ± std over seeds", xLabel: "step", yLabel: scalar)
        figure.note = evaluation ? "band: ±1 std across runs" : String(format: "debiased EMA %.3g per run, band: ±1 std across runs", smoothing)
        for (index, group) in groups.enumerated() {
            var byStep: [Double: [Double]] = [:]
            for run in group.runs {
                let curve = evaluation ? run.evaluationCurve(scalar) : run.trainingCurve(scalar)
                let values = evaluation ? curve.map(\.value) : Smoothing.debiasedEMA(curve.map(\.value), weight: smoothing)
                for (point, value) in zip(curve, values) { byStep[point.step, default: []].append(value) }
            }
            let steps = byStep.keys.sorted()
            let stats = steps.map { Statistics(byStep[$0]!) }
            figure.series.append(PlotSeries(title: "", columnNames: ["step", "mean-std", "mean+std"],
                                            rows: zip(steps, stats).map { [$0.0, $0.1.mean - $0.1.std, $0.1.mean + $0.1.std] },
                                            style: .band, colorIndex: index))
            figure.series.append(PlotSeries(title: "\(group.label) (n=\(group.runs.count))", columnNames: ["step", "mean"],
                                            rows: zip(steps, stats).map { [$0.0, $0.1.mean] }, style: .line(faint: false), colorIndex: index))
        }
        return figure
    }

    /// A final metric against a swept numeric value, mean ± std over seeds, one line per other setting.
    public static func metricVersusValue(_ lines: [(label: String, points: [(x: Double, values: [Double])])],
                                         xName: String, metric: String, logScaleX: Bool = false) -> Figure {
        var figure = Figure(title: "\(metric) vs \(xName)", xLabel: xName, yLabel: metric)
        figure.logScaleX = logScaleX
        figure.note = "points: mean over seeds, bars: ±1 std"
        for (index, line) in lines.enumerated() {
            let rows = line.points.sorted { $0.x < $1.x }.map { point -> [Double] in
                let s = Statistics(point.values)
                return [point.x, s.mean, s.std]
            }
            figure.series.append(PlotSeries(title: line.label, columnNames: [xName, "mean", "std"], rows: rows, style: .errorBars, colorIndex: index))
        }
        return figure
    }

    /// Metrics named `<metric>@steps=<S>` from each run's last evaluation, against S.
    public static func metricVersusSamplingSteps(_ runs: [LabeledRun], metric: String) -> Figure {
        var figure = Figure(title: "\(metric) vs sampling steps", xLabel: "sampling steps", yLabel: metric)
        figure.logScaleX = true
        for (index, run) in runs.enumerated() {
            let rows = samplingStepPoints(run.metrics, metric: metric).map { [$0.steps, $0.value, 0] }
            figure.series.append(PlotSeries(title: run.label, columnNames: ["steps", metric, "std"], rows: rows, style: .errorBars, colorIndex: index))
        }
        return figure
    }

    /// An evaluation metric against training time in minutes: the summed `step_time` up to each
    /// evaluated step (evaluation time itself excluded), one line per `<metric>@steps=<S>` and run.
    /// Speed/accuracy trade-offs (a faster step versus a better step) show up here, not against steps.
    public static func metricVersusTrainingTime(_ runs: [LabeledRun], metric: String) -> Figure {
        var figure = Figure(title: "\(metric) vs training time", xLabel: "training time (min, evaluation excluded)", yLabel: metric)
        var colour = 0
        for run in runs {
            let minutes = trainingMinutes(run.metrics)
            guard !minutes.isEmpty else { continue }
            let keys = samplingStepPoints(run.metrics, metric: metric).map { "\(metric)@steps=\(Int($0.steps))" }
            for key in keys.isEmpty ? [metric] : keys {
                let rows = run.metrics.evaluationCurve(key).compactMap { point in minutes[point.step].map { [$0, point.value] } }
                guard !rows.isEmpty else { continue }
                let title = (runs.count == 1 ? "" : run.label + " ") + (keys.isEmpty ? metric : String(key.dropFirst(metric.count + 1)))
                figure.series.append(PlotSeries(title: title, columnNames: ["minutes", key], rows: rows, style: .line(faint: false), colorIndex: colour))
                colour += 1
            }
        }
        return figure
    }

    /// Cumulative training minutes at each logged step (from `step_time`); empty without it. With
    /// train.log_every > 1 a logged step stands for the unlogged ones since the previous row.
    public static func trainingMinutes(_ metrics: RunMetrics) -> [Double: Double] {
        guard let steps = metrics.train["step"], let times = metrics.train["step_time"] else { return [:] }
        var total = 0.0, previous = 0.0, result: [Double: Double] = [:]
        for (step, seconds) in zip(steps, times) {
            if seconds.isFinite { total += seconds * max(1, step - previous) }
            previous = step
            result[step] = total / 60
        }
        return result
    }

    /// (steps, value) pairs of `<metric>@steps=<S>` at the last evaluation.
    public static func samplingStepPoints(_ metrics: RunMetrics, metric: String) -> [(steps: Double, value: Double)] {
        let prefix = metric + "@steps="
        return metrics.evaluation.keys.filter { $0.hasPrefix(prefix) }.compactMap { key -> (Double, Double)? in
            guard let steps = Double(key.dropFirst(prefix.count)), let last = metrics.evaluationCurve(key).last else { return nil }
            return (steps, last.value)
        }.sorted { $0.0 < $1.0 }
    }
}

/// Mean and (sample) standard deviation; std is 0 for a single value.
public struct Statistics {
    public let mean: Double
    public let std: Double
    public let count: Int
    public init(_ values: [Double]) {
        let finite = values.filter(\.isFinite)
        count = finite.count
        let average = finite.isEmpty ? .nan : finite.reduce(0, +) / Double(finite.count)
        mean = average
        std = finite.count < 2 ? 0 : (finite.map { ($0 - average) * ($0 - average) }.reduce(0, +) / Double(finite.count - 1)).squareRoot()
    }
}
