// Plotting: the debiased EMA against a direct evaluation of its definition, statistics, and real gnuplot
// output (PNG + SVG with the .gp script and .dat columns beside them).
import XCTest
@testable import Plotting
import Recording

final class PlottingTests: XCTestCase {
    func testDebiasedEMAMatchesItsDefinition() {
        let values: [Double] = [4, 2, .nan, 8, 1, 3]
        let w = 0.7
        let smoothed = Smoothing.debiasedEMA(values, weight: w)
        // Direct definition: weighted average of the finite values seen so far, weights w^(age), normalised.
        var seen: [Double] = []
        for (i, x) in values.enumerated() {
            if x.isNaN { XCTAssertTrue(smoothed[i].isNaN); continue }
            seen.append(x)
            let weights = (0..<seen.count).map { pow(w, Double(seen.count - 1 - $0)) }
            let expected = zip(weights, seen).map { $0 * $1 }.reduce(0, +) / weights.reduce(0, +)
            XCTAssertEqual(smoothed[i], expected, accuracy: 1e-12)
        }
        // The first value is never pulled towards zero (the bias TensorBoard fixed).
        XCTAssertEqual(Smoothing.debiasedEMA([5], weight: 0.99)[0], 5, accuracy: 1e-12)
    }

    func testMetricVersusTrainingTimeSumsStepTimesUpToEachEvaluation() {
        // Steps of 30 s, one NaN step time (skipped); evaluations at steps 2 and 4 at 1 and 4 sampling steps.
        let metrics = RunMetrics(train: ["step": [1, 2, 3, 4], "step_time": [30, 30, .nan, 60]],
                                 evaluation: ["step": [2, 4], "segm.AP": [0.1, 0.3], "segm.AP@steps=1": [0.1, 0.3], "segm.AP@steps=4": [0.2, 0.4]])
        let figure = Figures.metricVersusTrainingTime([LabeledRun(label: "run", metrics: metrics)], metric: "segm.AP")
        XCTAssertEqual(figure.series.map(\.title), ["steps=1", "steps=4"])
        XCTAssertEqual(figure.series[0].rows, [[1.0, 0.1], [2.0, 0.3]])
        XCTAssertEqual(figure.series[1].rows, [[1.0, 0.2], [2.0, 0.4]])
        // Without step times there is nothing to draw.
        let untimed = RunMetrics(train: ["step": [1, 2]], evaluation: ["step": [2], "segm.AP": [0.5]])
        XCTAssertTrue(Figures.metricVersusTrainingTime([LabeledRun(label: "run", metrics: untimed)], metric: "segm.AP").series.isEmpty)
    }

    func testTrainingTimeCountsUnloggedStepsWhenLoggingEveryNSteps() {
        // train.log_every = 10: each logged 6 s step stands for the ten steps since the previous row.
        let metrics = RunMetrics(train: ["step": [10, 20, 30], "step_time": [6, 6, 12]], evaluation: ["step": [20, 30], "segm.AP": [0.1, 0.2]])
        let minutes = Figures.trainingMinutes(metrics)
        XCTAssertEqual(minutes[10]!, 1, accuracy: 1e-12)
        XCTAssertEqual(minutes[20]!, 2, accuracy: 1e-12)
        XCTAssertEqual(minutes[30]!, 4, accuracy: 1e-12)
    }

    func testStatistics() {
        let s = Statistics([1, 2, 3, 4])
        XCTAssertEqual(s.mean, 2.5)
        XCTAssertEqual(s.std, (5.0 / 3).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(Statistics([3]).std, 0)
    }

    func testGnuplotWritesPNGSVGScriptAndData() throws {
        try XCTSkipUnless(Gnuplot.isAvailable, "gnuplot is not installed (apt-get install gnuplot-nox)")
        let directory = NSTemporaryDirectory() + "plots-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var figure = Figure(title: "loss_total", xLabel: "step", yLabel: "loss")
        figure.note = "raw and EMA"
        let raw = (1...50).map { [Double($0), 1 / Double($0) + 0.05 * sin(Double($0))] }
        figure.series.append(PlotSeries(title: "", columnNames: ["step", "raw"], rows: raw, style: .line(faint: true), colorIndex: 0))
        figure.series.append(PlotSeries(title: "run a", columnNames: ["step", "ema"], rows: raw, style: .line(faint: false), colorIndex: 0))
        figure.series.append(PlotSeries(title: "band", columnNames: ["step", "lo", "hi"], rows: raw.map { [$0[0], $0[1] - 0.1, $0[1] + 0.1] }, style: .band, colorIndex: 1))
        let files = try Gnuplot.render(figure, name: "loss", in: directory)
        for path in files + [directory + "/loss.gp", directory + "/loss.dat"] {
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            XCTAssertGreaterThan(size, 500, path)
        }
        let png = FileManager.default.contents(atPath: files[0])!
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        let svg = try String(contentsOfFile: files[1], encoding: .utf8)
        XCTAssertTrue(svg.contains("<svg"))
        let data = try String(contentsOfFile: directory + "/loss.dat", encoding: .utf8)
        XCTAssertTrue(data.contains("# index 1: run a"))
        XCTAssertEqual(data.components(separatedBy: "\n").filter { $0.hasPrefix("1\t") }.count, 3)
    }

    func testLongSeriesTitlesPutTheKeyBelowThePlot() {
        var figure = Figure(title: "loss", xLabel: "step", yLabel: "loss")
        figure.series.append(PlotSeries(title: "lr=0.001", columnNames: ["step", "loss"], rows: [[1, 2]], style: .line(faint: false), colorIndex: 0))
        XCTAssertTrue(Gnuplot.script(figure, name: "loss").contains("set key outside right top"))
        figure.series.append(PlotSeries(title: "max_steps=4000,eval_every=500,checkpoint_every=500", columnNames: ["step", "loss"],
                                        rows: [[1, 2]], style: .line(faint: false), colorIndex: 1))
        let script = Gnuplot.script(figure, name: "loss")
        XCTAssertTrue(script.contains("set key outside below center"))
        XCTAssertFalse(script.contains("outside right"))
    }
}
