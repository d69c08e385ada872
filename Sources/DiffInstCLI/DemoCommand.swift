// A placeholder main job until the quickstart experiment exists: fits y = 3x - 1 with the autodiff engine.
import ArgumentParser
import Tensor
import Autodiff

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Fit a line with the autodiff engine and print the loss.")

    func run() throws {
        print("BLAS: \(BLAS.configuration)")
    }
}
