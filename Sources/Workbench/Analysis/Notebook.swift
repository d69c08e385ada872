// Executable Markdown notebooks: prose passes through; ```diffinst blocks run one command per line (train
// skips runs already done with the same config, sweep resumes); ```gnuplot blocks are drawn with
// {{run:EXP}} / {{sweep:EXP}} replaced by the latest run or sweep folder. Renders Markdown (+ HTML via pandoc).
import Foundation
import Recording

public final class NotebookRunner {
    public let path: String
    public let root: String
    public let results: String
    public let executable: String
    public var quiet = false

    public init(path: String, root: String, results: String, executable: String) {
        self.path = path
        self.root = root
        self.results = results
        self.executable = executable
    }

    public var name: String { URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent }
    public var outputDirectory: String { results + "/notebooks" }
    var filesDirectory: String { outputDirectory + "/" + name + "_files" }

    enum Block { case prose(String), commands([String]), gnuplot(String), other(String, String) }

    static func blocks(_ text: String) -> [Block] {
        var blocks: [Block] = [], prose: [String] = [], fence: (kind: String, lines: [String])? = nil
        for line in text.components(separatedBy: "\n") {
            if var open = fence {
                if line.trimmingCharacters(in: .whitespaces) == "```" {
                    switch open.kind {
                    case "diffinst": blocks.append(.commands(open.lines))
                    case "gnuplot": blocks.append(.gnuplot(open.lines.joined(separator: "\n")))
                    default: blocks.append(.other(open.kind, open.lines.joined(separator: "\n")))
                    }
                    fence = nil
                } else { open.lines.append(line); fence = open }
            } else if line.hasPrefix("```") {
                if !prose.isEmpty { blocks.append(.prose(prose.joined(separator: "\n"))); prose = [] }
                fence = (String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces), [])
            } else { prose.append(line) }
        }
        if !prose.isEmpty { blocks.append(.prose(prose.joined(separator: "\n"))) }
        return blocks
    }

    /// Splits a command line on spaces, honouring single and double quotes.
    static func arguments(_ line: String) -> [String] {
        var result: [String] = [], current = "", quote: Character? = nil, started = false
        for c in line {
            if let q = quote { if c == q { quote = nil } else { current.append(c) } }
            else if c == "\"" || c == "'" { quote = c; started = true }
            else if c == " " || c == "\t" { if started || !current.isEmpty { result.append(current) }; current = ""; started = false }
            else { current.append(c) }
        }
        if started || !current.isEmpty { result.append(current) }
        return result
    }

    func say(_ text: String) { if !quiet { print(text) } }

    /// Runs every block in order and writes `<results>/notebooks/<name>.md` (and .html when pandoc exists).
    @discardableResult
    public func run() throws -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw TaskError("\(path): cannot read notebook") }
        try FileManager.default.createDirectory(atPath: filesDirectory, withIntermediateDirectories: true)
        var output: [String] = ["<!-- rendered by `diffinst notebook \(path)` on \(RunManifestTime.now()); edit the source, not this file -->", ""]
        var figure = 0
        for block in NotebookRunner.blocks(text) {
            switch block {
            case .prose(let prose): output.append(prose)
            case .other(let kind, let body): output.append("```\(kind)\n\(body)\n```")
            case .commands(let lines):
                output.append("```sh\n" + lines.map { "diffinst " + $0 }.joined(separator: "\n") + "\n```")
                for line in lines where !line.trimmingCharacters(in: .whitespaces).isEmpty && !line.hasPrefix("#") {
                    var arguments = NotebookRunner.arguments(try substitute(line))
                    if arguments.first == "train", !arguments.contains("--skip-if-done") { arguments.append("--skip-if-done") }
                    if arguments.first == "sweep", !arguments.contains("--resume") { arguments.append("--resume") }
                    if ["sweep", "notebook"].contains(arguments.first ?? ""), !arguments.contains("--quiet") { arguments.append("--quiet") }
                    say("notebook \(name): diffinst \(arguments.joined(separator: " "))")
                    let (status, log) = execute(arguments)
                    let tail = log.split(separator: "\n", omittingEmptySubsequences: false).suffix(60).joined(separator: "\n")
                    if arguments.first == "report" && status == 0 {
                        // A report is Markdown already: show its table, not its console echo.
                        output.append(log.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("wrote ") }
                            .map { $0.hasPrefix("# ") ? "###" + $0.dropFirst(1) : String($0) }.joined(separator: "\n"))
                    } else {
                        output.append("```text\n" + tail.trimmingCharacters(in: .newlines) + "\n```")
                    }
                    guard status == 0 else {
                        output.append("**This command failed (exit \(status)); the notebook stopped here.**")
                        try write(output)
                        throw TaskError("\(path): `diffinst \(line)` failed (exit \(status)):\n\(tail)")
                    }
                    for png in log.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init).filter({ $0.hasSuffix(".png") }) {
                        let source = png.hasPrefix("/") ? png : root + "/" + png
                        guard FileManager.default.fileExists(atPath: source) else { continue }
                        figure += 1
                        output.append("![\(URL(fileURLWithPath: png).lastPathComponent)](\(try copyFigure(source, index: figure)))")
                    }
                }
            case .gnuplot(let script):
                figure += 1
                let resolved = try substitute(script)
                let base = String(format: "%@/figure%02d", filesDirectory, figure)
                let full = "set terminal pngcairo size 960,600 enhanced font 'Sans,10'\nset output '\(base).png'\n" + resolved + "\nunset output\n"
                try full.write(toFile: base + ".gp", atomically: true, encoding: .utf8)
                let (status, log) = execute(["gnuplot", base + ".gp"], direct: true)
                output.append("```gnuplot\n\(script)\n```")
                guard status == 0 else { throw TaskError("\(path): gnuplot block \(figure) failed: \(log)") }
                output.append("![figure \(figure)](\(name)_files/\(URL(fileURLWithPath: base).lastPathComponent).png)")
            }
        }
        return try write(output)
    }

    @discardableResult
    func write(_ output: [String]) throws -> String {
        let markdown = outputDirectory + "/" + name + ".md"
        try output.joined(separator: "\n").write(toFile: markdown, atomically: true, encoding: .utf8)
        if runProcess("/usr/bin/env", ["which", "pandoc"]) != nil {
            _ = execute(["pandoc", "--standalone", "--metadata", "title=\(name)", "-o", outputDirectory + "/" + name + ".html", markdown], direct: true)
        }
        say("notebook rendered: \(markdown)")
        return markdown
    }

    func copyFigure(_ source: String, index: Int) throws -> String {
        let target = String(format: "figure%02d-", index) + URL(fileURLWithPath: source).lastPathComponent
        try? FileManager.default.removeItem(atPath: filesDirectory + "/" + target)
        try FileManager.default.copyItem(atPath: source, toPath: filesDirectory + "/" + target)
        return name + "_files/" + target
    }

    /// Replaces {{run:EXP}} and {{sweep:EXP}} by the newest run / sweep folder of experiment EXP.
    func substitute(_ script: String) throws -> String {
        var text = script
        let pattern = try NSRegularExpression(pattern: "\\{\\{(run|sweep):([A-Za-z0-9_.-]+)\\}\\}")
        while let match = pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) {
            let kind = String(text[Range(match.range(at: 1), in: text)!]), experiment = String(text[Range(match.range(at: 2), in: text)!])
            let folder = results + "/" + experiment
            let entries = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).map { folder + "/" + $0 }
            let candidates = entries.filter { kind == "sweep" ? RunCollection.isSweep($0) : RunDirectory(path: $0).isRun }
            guard let latest = candidates.max(by: { modificationDate($0) < modificationDate($1) }) else {
                throw TaskError("\(path): {{\(kind):\(experiment)}} has no \(kind) under \(folder) yet; run it in an earlier block")
            }
            text.replaceSubrange(Range(match.range, in: text)!, with: latest)
        }
        return text
    }

    func execute(_ arguments: [String], direct: Bool = false) -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: direct ? "/usr/bin/env" : executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return (127, "cannot run \(arguments.first ?? ""): \(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
