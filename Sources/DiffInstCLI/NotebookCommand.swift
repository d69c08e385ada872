// `diffinst notebook FILE`: run an executable Markdown notebook and render it into Results/notebooks/.
import ArgumentParser
import Foundation
import Workbench

struct NotebookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notebook",
        abstract: "Run a notebook's ```diffinst and ```gnuplot blocks in order (finished runs are reused) and render it to Results/notebooks/.")

    @Argument(help: "Notebook file (Notebooks/<name>.md) or name.") var file: String
    @OptionGroup var options: WorkbenchOptions
    @Flag(help: "Less console output.") var quiet = false

    func run() throws {
        let candidates = [file, options.rootPath + "/" + file, options.rootPath + "/Notebooks/" + file, options.rootPath + "/Notebooks/" + file + ".md"]
        guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw ValidationError("\(file): no such notebook (looked in \(options.rootPath)/Notebooks)")
        }
        let runner = NotebookRunner(path: path, root: options.rootPath, results: options.resultsPath, executable: WorkbenchOptions.executablePath)
        runner.quiet = quiet
        let rendered = try runner.run()
        print("wrote \(rendered)")
    }
}
