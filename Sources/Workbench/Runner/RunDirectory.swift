// Run directories: `Results/<experiment>/<run-id>/` created atomically (filled under a hidden temporary
// name, then renamed; rename never replaces an existing directory), so two runs can never share one
// even when started in the same second. Also the package-root and run/sweep look-ups used by commands.
import Foundation

/// A run's directory and the files in it.
public struct RunDirectory {
    public let path: String
    public init(path: String) { self.path = path }

    public var configPath: String { path + "/config.json" }
    public var manifestPath: String { path + "/manifest.json" }
    public var metricsPath: String { path + "/metrics.h5" }
    public var logPath: String { path + "/log.txt" }
    public var checkpointsPath: String { path + "/checkpoints" }
    public var plotsPath: String { path + "/plots" }
    public var runID: String { URL(fileURLWithPath: path).lastPathComponent }

    /// Creates `<parent>/<runID>` (or `<runID>-2`, `-3`, … when taken, unless `exact`) holding config.json.
    public static func create(parent: String, runID: String, configJSON: String, exact: Bool = false) throws -> RunDirectory {
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        let temporary = "\(parent)/.creating-\(runID)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: temporary + "/checkpoints", withIntermediateDirectories: true)
        try configJSON.write(toFile: temporary + "/config.json", atomically: true, encoding: .utf8)
        for attempt in 1...1000 {
            let candidate = attempt == 1 ? "\(parent)/\(runID)" : "\(parent)/\(runID)-\(attempt)"
            // rename(2) onto an existing non-empty directory fails, so exactly one creator wins each name.
            if rename(temporary, candidate) == 0 { return RunDirectory(path: candidate) }
            if errno != EEXIST && errno != ENOTEMPTY { break }
            if exact { break }
        }
        try? FileManager.default.removeItem(atPath: temporary)
        throw TaskError("cannot create run directory \(parent)/\(runID)" + (exact ? ": it already exists" : ""))
    }

    /// Checkpoint files, oldest first (`step_000000100.h5`).
    public func checkpoints() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: checkpointsPath)) ?? []
        return names.filter { $0.hasPrefix("step_") && $0.hasSuffix(".h5") }.sorted().map { checkpointsPath + "/" + $0 }
    }

    public static func checkpointName(step: Int) -> String { String(format: "step_%09d.h5", step) }

    /// Appends a timestamped line to log.txt.
    public func log(_ line: String) {
        let text = "[\(RunManifestTime.now())] \(line)\n"
        if let handle = FileHandle(forWritingAtPath: logPath) {
            handle.seekToEndOfFile()
            handle.write(Data(text.utf8))
            handle.closeFile()
        } else {
            FileManager.default.createFile(atPath: logPath, contents: Data(text.utf8))
        }
    }

    public var isRun: Bool { FileManager.default.fileExists(atPath: configPath) }
}

enum RunManifestTime {
    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date())
    }
}

/// Where the package lives (Experiments/, Results/): the nearest directory upward from `start` with a Package.swift.
public func packageRoot(from start: String = FileManager.default.currentDirectoryPath) -> String {
    var url = URL(fileURLWithPath: start).standardizedFileURL
    while url.path != "/" {
        if FileManager.default.fileExists(atPath: url.path + "/Package.swift") { return url.path }
        url.deleteLastPathComponent()
    }
    return start
}

/// Resolves a run argument: a run directory, or `<experiment>` / `<experiment>/<run-id>` under the results root
/// (an experiment alone means its most recent run).
public func locateRun(_ argument: String, results: String) throws -> RunDirectory {
    for candidate in [argument, results + "/" + argument] where RunDirectory(path: candidate).isRun { return RunDirectory(path: candidate) }
    let experimentDirectory = results + "/" + argument
    let runs = ((try? FileManager.default.contentsOfDirectory(atPath: experimentDirectory)) ?? [])
        .map { experimentDirectory + "/" + $0 }.filter { RunDirectory(path: $0).isRun }
    if let latest = runs.max(by: { modificationDate($0) < modificationDate($1) }) { return RunDirectory(path: latest) }
    throw TaskError("\(argument): not a run directory (no config.json), nor an experiment with runs under \(results)")
}

func modificationDate(_ path: String) -> Date {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date) ?? .distantPast
}
