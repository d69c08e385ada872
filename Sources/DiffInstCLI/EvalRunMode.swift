// `diffinst eval --run`: a trained run re-evaluated under other sampler settings, one table row per
// combination and step count (the numbers also go to <run>/evaluations/*.json).
import ArgumentParser
import Foundation
import Workbench
import Evaluation

extension EvalCommand {
    func evaluateRun(_ path: String) throws {
        let parsed = try overrides.map { try Override.parse($0) }
        let columns = ["segm.AP", "segm.AP50", "segm.AP75", "segm.APs", "segm.APm", "segm.APl", "bbox.AP", "bbox.AP50", "segm.AR100",
                       "segm.AP.agnostic"]
        var printedHeader = false
        // A run directory, or <experiment>[/<run-id>] under Results/ (an experiment alone: its latest run).
        let run = try locateRun(path, results: packageRoot() + "/Results")
        let outcome = try RunEvaluation.run(runDirectory: run.path, checkpoint: checkpoint, overrides: parsed, confusion: confusion) { row in
            if !printedHeader {
                print((["settings", "steps"] + columns.map { ($0.hasSuffix(".agnostic") ? "AP(agnostic)" : String($0.split(separator: ".").last!))
                        + ($0.hasPrefix("bbox") ? "(box)" : "") } + ["s/img"])
                    .joined(separator: "\t"))
                printedHeader = true
            }
            let settings = row.settings.isEmpty ? "run config" : row.settings.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            let numbers = columns.map { row.metrics[$0].map { String(format: "%.3f", $0) } ?? "-" }
            print(([settings, "\(row.steps)"] + numbers + [String(format: "%.3f", row.secondsPerImage)]).joined(separator: "\t"))
            if let confusion = row.confusion { print(confusion.table, terminator: "") }
        }
        print("\(outcome.images) held-out images, checkpoint \(outcome.checkpoint); wrote \(outcome.file)")
    }
}
