// The run log `metrics.h5`: per-step training scalars and periodic evaluation metrics as aligned,
// chunked, extendible float64 series, with the resolved config and manifest as root attributes.
// Rows are buffered and flushed in blocks; after each flush the file on disk is complete and readable.
import CHDF5
import Foundation

/// Schema identifier written to the root attribute `schema` (bump when the layout changes).
public let metricsSchemaVersion = "diffinst-metrics/1"

/// Appends rows of named scalars to one group of series (`/train` or `/eval`), aligned on a `step` column.
final class SeriesTable {
    let group: HDF5Group
    private var columns: [String: HDF5Series] = [:]
    private(set) var rowCount: Int
    private var pending: [(step: Int, values: [String: Double])] = []

    init(group: HDF5Group) throws {
        self.group = group
        let step = try group.series("step")
        columns["step"] = step
        rowCount = step.count
        for name in group.childNames() where name != "step" {
            let column = try group.openSeries(name)
            // A run killed between two column writes can leave ragged columns; trim them to the step column.
            if column.count > rowCount { try column.resize(to: rowCount) }
            columns[name] = column
        }
    }

    func add(step: Int, values: [String: Double]) { pending.append((step, values)) }

    var pendingCount: Int { pending.count }

    /// Writes the pending rows; the step column is written last so readers never see a step without its values.
    func writePending() throws {
        guard !pending.isEmpty else { return }
        let names = Set(pending.flatMap { $0.values.keys }).union(columns.keys.filter { $0 != "step" })
        for name in names.sorted() {
            let column: HDF5Series
            if let existing = columns[name] {
                column = existing
            } else {
                column = try group.series(name)
                try column.resize(to: rowCount)
                columns[name] = column
            }
            try column.write(pending.map { $0.values[name] ?? .nan }, at: rowCount)
        }
        try columns["step"]!.write(pending.map { Double($0.step) }, at: rowCount)
        rowCount += pending.count
        pending.removeAll()
    }

    /// Drops every row whose step is greater than `step` (used when resuming from a checkpoint).
    func truncate(afterStep step: Int) throws {
        try writePending()
        let steps = try columns["step"]!.read()
        let keep = steps.firstIndex(where: { $0 > Double(step) }) ?? steps.count
        for column in columns.values { try column.resize(to: keep) }
        rowCount = keep
    }
}

/// Writes `metrics.h5` for one run. Not thread-safe; one writer per file.
public final class MetricsWriter {
    public let path: String
    private let file: HDF5File
    private let train: SeriesTable
    private let evaluation: SeriesTable
    /// Rows buffered before a flush to disk.
    public var flushEvery: Int

    /// Creates a new file, or opens an existing one to continue it (resume).
    public init(path: String, continueExisting: Bool = false, flushEvery: Int = 10) throws {
        self.path = path
        self.flushEvery = max(1, flushEvery)
        if continueExisting && FileManager.default.fileExists(atPath: path) {
            file = try HDF5File(path: path, mode: .readWrite)
        } else {
            file = try HDF5File(path: path, mode: .createExclusive)
            try file.setAttribute("schema", string: metricsSchemaVersion)
        }
        train = try SeriesTable(group: file.group("train", create: true))
        evaluation = try SeriesTable(group: file.group("eval", create: true))
        try file.flush()
    }

    /// Stores a JSON document (config, manifest, …) as a root string attribute.
    public func setAttribute(_ name: String, json: String) throws {
        try file.setAttribute(name, string: json)
        try file.flush()
    }

    /// Queues one training step's scalars; flushes when `flushEvery` rows are pending.
    public func logTraining(step: Int, scalars: [String: Double]) throws {
        train.add(step: step, values: scalars)
        if train.pendingCount >= flushEvery { try flush() }
    }

    /// Writes one evaluation's metrics and flushes at once (evaluations are rare and precious).
    public func logEvaluation(step: Int, metrics: [String: Double]) throws {
        evaluation.add(step: step, values: metrics)
        try flush()
    }

    /// Writes all pending rows and flushes the file.
    public func flush() throws {
        try train.writePending()
        try evaluation.writePending()
        try file.flush()
    }

    /// Forgets every logged row after `step` (resume continues from a checkpoint at `step`).
    public func truncate(afterStep step: Int) throws {
        try train.truncate(afterStep: step)
        try evaluation.truncate(afterStep: step)
        try file.flush()
    }

    deinit { try? flush() }
}

/// Everything in one `metrics.h5`, read back.
public struct RunMetrics {
    /// Training series by name; `train["step"]` holds the step numbers.
    public var train: [String: [Double]]
    /// Evaluation series by name; `evaluation["step"]` holds the step numbers.
    public var evaluation: [String: [Double]]
    /// Root string attributes (`schema`, `config`, `manifest`, …).
    public var attributes: [String: String]

    /// A log held in memory (tests, logs assembled from elsewhere).
    public init(train: [String: [Double]], evaluation: [String: [Double]], attributes: [String: String] = [:]) {
        (self.train, self.evaluation, self.attributes) = (train, evaluation, attributes)
    }

    /// Reads a run log written by `MetricsWriter` (also one left behind by a killed process).
    public init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw HDF5Error("\(path): no such run log") }
        let file = try HDF5File(path: path, mode: .readOnly)
        attributes = [:]
        for name in ["schema", "config", "manifest", "experiment", "run_id", "primary_metric", "higher_is_better"] {
            if let value = try? file.stringAttribute(name) { attributes[name] = value }
        }
        func readTable(_ groupName: String) throws -> [String: [Double]] {
            guard file.contains(groupName) else { return [:] }
            let group = try file.group(groupName)
            var table: [String: [Double]] = [:]
            for name in group.childNames() { table[name] = try group.openSeries(name).read() }
            let rows = table["step"]?.count ?? 0
            for (name, values) in table where values.count > rows { table[name] = Array(values.prefix(rows)) }
            return table
        }
        train = try readTable("train")
        evaluation = try readTable("eval")
    }

    /// (step, value) pairs of a training scalar, skipping NaN gaps.
    public func trainingCurve(_ name: String) -> [(step: Double, value: Double)] {
        pairs(train, name)
    }

    /// (step, value) pairs of an evaluation metric, skipping NaN gaps.
    public func evaluationCurve(_ name: String) -> [(step: Double, value: Double)] {
        pairs(evaluation, name)
    }

    private func pairs(_ table: [String: [Double]], _ name: String) -> [(step: Double, value: Double)] {
        guard let steps = table["step"], let values = table[name] else { return [] }
        return zip(steps, values).filter { !$0.1.isNaN }.map { (step: $0.0, value: $0.1) }
    }
}
