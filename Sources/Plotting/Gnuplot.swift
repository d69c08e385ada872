// Figures as gnuplot scripts: a `Figure` (axes + series) is written as `<name>.dat` (one indexed block per
// series, with a header naming its columns) and `<name>.gp` (which draws PNG via pngcairo, then SVG),
// then gnuplot is run on the script. The .gp and .dat stay beside the images so a figure can be re-made.
import Foundation

/// One drawn series of a figure.
public struct PlotSeries {
    public enum Style {
        /// A line (`faint` draws it thin and translucent, used for the raw curve under a smoothed one).
        case line(faint: Bool)
        /// Points joined by lines with error bars (rows: x, y, yerr).
        case errorBars
        /// A translucent band between two columns (rows: x, low, high).
        case band
        /// Points only.
        case points
    }
    public var title: String
    public var columnNames: [String]
    public var rows: [[Double]]
    public var style: Style
    /// Index into the palette, so that a band and its mean line share a colour.
    public var colorIndex: Int

    public init(title: String, columnNames: [String], rows: [[Double]], style: Style, colorIndex: Int) {
        self.title = title
        self.columnNames = columnNames
        self.rows = rows
        self.style = style
        self.colorIndex = colorIndex
    }
}

/// A 2-D figure: labels, optional log x axis and its series.
public struct Figure {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var logScaleX = false
    public var series: [PlotSeries] = []
    /// A line under the title (e.g. the smoothing method), so the figure says how it was made.
    public var note: String?

    public init(title: String, xLabel: String, yLabel: String) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }
}

public struct PlotError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public enum Gnuplot {
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]

    /// Whether a gnuplot executable is on the PATH.
    public static var isAvailable: Bool { executablePath() != nil }

    static func executablePath() -> String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for directory in paths {
            let candidate = "\(directory)/gnuplot"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Writes `<directory>/<name>.dat` and `.gp`, runs gnuplot, and returns the PNG and SVG paths.
    @discardableResult
    public static func render(_ figure: Figure, name: String, in directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let dataPath = "\(directory)/\(name).dat"
        let scriptPath = "\(directory)/\(name).gp"
        try dataFile(figure).write(toFile: dataPath, atomically: true, encoding: .utf8)
        try script(figure, name: name).write(toFile: scriptPath, atomically: true, encoding: .utf8)
        guard let gnuplot = executablePath() else { throw PlotError("gnuplot is not installed (apt-get install gnuplot-nox); wrote \(scriptPath) and \(dataPath)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gnuplot)
        process.arguments = ["\(name).gp"]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw PlotError("gnuplot failed on \(scriptPath): \(message)") }
        return ["\(directory)/\(name).png", "\(directory)/\(name).svg"]
    }

    /// The data file: one block per series, separated by two blank lines (gnuplot `index i`).
    static func dataFile(_ figure: Figure) -> String {
        var text = "# \(figure.title)\n"
        for (index, series) in figure.series.enumerated() {
            text += "# index \(index): \(series.title)\n# " + series.columnNames.joined(separator: "\t") + "\n"
            for row in series.rows { text += row.map { format($0) }.joined(separator: "\t") + "\n" }
            if series.rows.isEmpty { text += "NaN\tNaN\tNaN\n" }
            text += "\n\n"
        }
        return text
    }

    static func format(_ value: Double) -> String { value.isFinite ? String(format: "%.9g", value) : "NaN" }

    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "_", with: "\\\\_").replacingOccurrences(of: "@", with: "\\\\@") + "\""
    }

    /// Keys beside the plot squeeze it: a run label of ~45 characters took half of the 960-pixel width.
    /// Long titles go below the plot instead (gnuplot wraps them into rows).
    static func keyPlacement(_ figure: Figure) -> String {
        let longest = figure.series.filter { !$0.title.isEmpty }.map(\.title.count).max() ?? 0
        return longest > maximumSideKeyCharacters ? "set key outside below center box opaque" : "set key outside right top box opaque"
    }

    static let maximumSideKeyCharacters = 28

    /// The gnuplot script: PNG with pngcairo, then the same plot as SVG.
    static func script(_ figure: Figure, name: String) -> String {
        var lines = [
            "# Re-make with: gnuplot \(name).gp   (data: \(name).dat, one block per series, see its headers)",
            "set terminal pngcairo size 960,600 enhanced font 'Sans,10'",
            "set output '\(name).png'",
            "set title " + (figure.note.map { String(quoted(figure.title).dropLast()) + "\\n{/*0.8 " + quoted($0).dropFirst() .dropLast() + "}\"" } ?? quoted(figure.title)),
            "set offsets graph 0.03, graph 0.03, graph 0.05, graph 0.05",
            "set xlabel \(quoted(figure.xLabel))",
            "set ylabel \(quoted(figure.yLabel))",
            "set grid lc rgb '#dddddd'",
            keyPlacement(figure),
            "set datafile missing 'NaN'",
        ]
        if figure.logScaleX { lines.append("set logscale x 2") }
        var clauses: [String] = []
        for (index, series) in figure.series.enumerated() {
            let color = palette[series.colorIndex % palette.count]
            let title = series.title.isEmpty ? "notitle" : "title \(quoted(series.title))"
            switch series.style {
            case .line(let faint):
                let translucent = "#B0" + color.dropFirst()
                clauses.append("'\(name).dat' index \(index) using 1:2 with lines lw \(faint ? 1 : 2) lc rgb '\(faint ? translucent : color)' \(faint ? "notitle" : title)")
            case .errorBars:
                clauses.append("'\(name).dat' index \(index) using 1:2:3 with yerrorlines lw 2 pt 7 lc rgb '\(color)' \(title)")
            case .band:
                clauses.append("'\(name).dat' index \(index) using 1:2:3 with filledcurves fs transparent solid 0.2 noborder lc rgb '\(color)' \(title)")
            case .points:
                clauses.append("'\(name).dat' index \(index) using 1:2 with points pt 7 ps 1.2 lc rgb '\(color)' \(title)")
            }
        }
        if clauses.isEmpty { clauses.append("NaN notitle") }
        lines.append("plot " + clauses.joined(separator: ", \\\n     "))
        lines.append("set terminal svg size 960,600 dynamic enhanced font 'Sans,10'")
        lines.append("set output '\(name).svg'")
        lines.append("replot")
        lines.append("unset output")
        return lines.joined(separator: "\n") + "\n"
    }
}
