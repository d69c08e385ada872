// Reading finished work back: one run (config.json + metrics.h5 + manifest.json) or a whole sweep folder,
// with runs grouped into configurations (settings minus the seed) for seed statistics. Read-only.
import Foundation
import Recording
import Plotting

/// One run read back from disk.
public struct RunRecord {
    public let directory: RunDirectory
    public let config: ResolvedConfig
    public let metrics: RunMetrics
    public let manifest: RunManifest?

    public init(_ directory: RunDirectory) throws {
        self.directory = directory
        config = try ResolvedConfig.read(jsonFile: directory.configPath)
        metrics = try RunMetrics(path: directory.metricsPath)
        manifest = FileManager.default.contents(atPath: directory.manifestPath).flatMap { try? JSONDecoder().decode(RunManifest.self, from: $0) }
    }

    public var primaryMetric: String { metrics.attributes["primary_metric"] ?? "accuracy" }
    public var higherIsBetter: Bool { metrics.attributes["higher_is_better"] != "false" }

    /// The run's label without its seed: the configuration it replicates.
    public var configurationLabel: String {
        let rest = config.settings.filter { $0.key != "seeds.base" }
        guard !rest.isEmpty else { return "base" }
        return rest.map { "\($0.key.split(separator: ".").last!)=\($0.value)" }.joined(separator: ",")
    }

    public var seed: Int { config.int("seeds.base") }

    /// Final value of an evaluation metric.
    public func finalMetric(_ name: String) -> Double? { metrics.evaluationCurve(name).last?.value }

    /// Best value over evaluations, with its step.
    public func bestMetric(_ name: String) -> (value: Double, step: Double)? {
        let curve = metrics.evaluationCurve(name)
        let best = higherIsBetter ? curve.max { $0.value < $1.value } : curve.min { $0.value < $1.value }
        return best.map { ($0.value, $0.step) }
    }

    /// Mean of the last `fraction` of a training scalar (final training loss, robust to step noise).
    public func finalTrainingValue(_ name: String, fraction: Double = 0.1) -> Double? {
        let curve = metrics.trainingCurve(name)
        guard !curve.isEmpty else { return nil }
        let tail = curve.suffix(max(1, Int(Double(curve.count) * fraction)))
        return tail.map(\.value).reduce(0, +) / Double(tail.count)
    }

    public var labeled: LabeledRun { LabeledRun(label: config.label, metrics: metrics) }
}

/// The runs of a sweep folder (or of a list of run folders), grouped by configuration.
public struct RunCollection {
    public let title: String
    public let runs: [RunRecord]
    /// Job states of a sweep (index → state), empty for a plain list of runs.
    public let jobStates: [String: Int]

    public init(title: String, runs: [RunRecord], jobStates: [String: Int] = [:]) {
        self.title = title
        self.runs = runs
        self.jobStates = jobStates
    }

    /// Whether `path` is a sweep folder (has jobs.json).
    public static func isSweep(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path + "/jobs.json") }

    /// Reads every job of a sweep folder that has a run log (unfinished jobs are skipped and counted).
    public init(sweep path: String) throws {
        guard let data = FileManager.default.contents(atPath: path + "/jobs.json"),
              let jobs = try? JSONDecoder().decode([SweepJob].self, from: data) else {
            throw TaskError("\(path): not a sweep folder (no readable jobs.json)")
        }
        var runs: [RunRecord] = []
        var states: [String: Int] = [:]
        for job in jobs {
            let statePath = String(format: "%@/jobs/%04d.json", path, job.index)
            let state = FileManager.default.contents(atPath: statePath).flatMap { try? JSONDecoder().decode(JobState.self, from: $0) }?.state ?? "unknown"
            states[state, default: 0] += 1
            let run = RunDirectory(path: path + "/" + job.runID)
            if run.isRun, FileManager.default.fileExists(atPath: run.metricsPath), let record = try? RunRecord(run) { runs.append(record) }
        }
        self.init(title: URL(fileURLWithPath: path).lastPathComponent, runs: runs, jobStates: states)
    }

    /// Configurations in first-seen order, each with its seed replicates.
    public var groups: [(label: String, runs: [RunRecord])] {
        var order: [String] = [], members: [String: [RunRecord]] = [:]
        for run in runs {
            let label = run.configurationLabel
            if members[label] == nil { order.append(label) }
            members[label, default: []].append(run)
        }
        return order.map { ($0, members[$0]!) }
    }

    /// Keys swept across the runs (settings that take more than one value), seed excluded.
    public var sweptKeys: [String] {
        var values: [String: Set<String>] = [:], order: [String] = []
        for run in runs {
            for setting in run.config.settings where setting.key != "seeds.base" {
                if values[setting.key] == nil { order.append(setting.key) }
                values[setting.key, default: []].insert(setting.value.description)
            }
        }
        return order.filter { values[$0]!.count > 1 }
    }

    public var primaryMetric: String { runs.first?.primaryMetric ?? "accuracy" }
}
