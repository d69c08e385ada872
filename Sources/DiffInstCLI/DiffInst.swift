// The `diffinst` command. Each subcommand lives in its own file; this root only lists them.
import ArgumentParser
import Foundation

@main
struct DiffInst: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diffinst",
        abstract: "DiffusionInst research workbench: train, evaluate, sweep and plot diffusion-based instance segmentation on the CPU.",
        subcommands: [
            DemoCommand.self,
            TrainCommand.self,
            ResumeCommand.self,
            SweepCommand.self,
            ConfigCommand.self,
            PlotCommand.self,
            ReportCommand.self,
            NotebookCommand.self,
            DataCommand.self,
            EvalCommand.self,
            BenchCommand.self,
        ]
    )

    static func main() {
        Environment.ensureFastBLASKernels()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
