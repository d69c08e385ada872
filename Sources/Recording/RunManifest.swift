// The run manifest (manifest.json and a metrics.h5 attribute): where, with what and when a run was made:
// git commit and dirty flag, toolchain, BLAS build, thread counts, CPU model, seeds, start/end, wall time.
import Foundation
import Tensor

/// Provenance of one run, written at start and completed at the end.
public struct RunManifest: Codable, Equatable {
    public var experiment: String
    public var runID: String
    public var gitCommit: String
    public var gitDirty: Bool
    public var swiftVersion: String
    public var blasConfiguration: String
    /// Which matrix-product kernel ran ("native AVX-512", "native AVX2+FMA", "OpenBLAS"); absent in older runs.
    public var gemm: String? = nil
    public var blasThreads: Int
    public var workerThreads: Int
    public var cpuModel: String
    public var hostName: String
    public var operatingSystem: String
    public var commandLine: [String]
    public var seeds: [String: Int]
    public var startTime: String
    public var endTime: String?
    public var wallSeconds: Double?
    /// Seconds spent in training steps (evaluations and checkpoints excluded); absent in older runs.
    public var trainingSeconds: Double? = nil
    /// The step count train.time_budget_minutes planned last; absent without a budget.
    public var plannedSteps: Int? = nil
    public var status: String
    public var resumedFrom: [String]

    /// Gathers the machine and repository facts now; `repository` is the package root used for git.
    public static func capture(experiment: String, runID: String, seeds: [String: Int], repository: String) -> RunManifest {
        let commit = runProcess("/usr/bin/env", ["git", "-C", repository, "rev-parse", "HEAD"])?.trimmingCharacters(in: .whitespacesAndNewlines)
        let porcelain = runProcess("/usr/bin/env", ["git", "-C", repository, "status", "--porcelain", "--untracked-files=no"])
        let swift = runProcess("/usr/bin/env", ["swift", "--version"])?
            .split(separator: "\n").first.map(String.init) ?? "unknown"
        return RunManifest(
            experiment: experiment, runID: runID,
            gitCommit: commit?.isEmpty == false ? commit! : "unknown",
            gitDirty: !(porcelain ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
            swiftVersion: swift,
            blasConfiguration: BLAS.configuration,
            gemm: GEMM.summary,
            blasThreads: BLAS.threads,
            workerThreads: Parallel.threadCount,
            cpuModel: cpuModelName(),
            hostName: ProcessInfo.processInfo.hostName,
            operatingSystem: ProcessInfo.processInfo.operatingSystemVersionString,
            commandLine: CommandLine.arguments,
            seeds: seeds,
            startTime: timestamp(Date()),
            endTime: nil, wallSeconds: nil, status: "running", resumedFrom: [])
    }

    /// ISO-8601 UTC with milliseconds.
    public static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// Pretty, key-sorted JSON.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    static func cpuModelName() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") { return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
        }
        return "unknown"
    }
}

/// Runs a command and returns its standard output, or nil when it cannot run or fails.
public func runProcess(_ executable: String, _ arguments: [String]) -> String? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return String(decoding: data, as: UTF8.self)
}
