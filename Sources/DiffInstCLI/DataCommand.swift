// `diffinst data synth` (export the synthetic dataset as COCO) and `diffinst data inspect` (report on a
// COCO-format dataset). Thin wrappers: the work lives in the Data module.
import ArgumentParser
import Data
import Foundation

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data", abstract: "Generate the synthetic dataset or inspect a COCO-format dataset.",
        subcommands: [SynthCommand.self, InspectCommand.self])
}

struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write synthetic shapes as a COCO dataset: DIR/images/*.png and DIR/instances.json (compressed RLE masks).")

    @Option(help: "Output directory (created).") var out: String
    @Option(help: "Number of images.") var images: Int = 100
    @Option(help: "Generator seed: image i of seed s is always the same picture.") var seed: UInt64 = 0
    @Option(help: "Image width in pixels.") var width: Int = 128
    @Option(help: "Image height in pixels.") var height: Int = 128
    @Option(help: "Fewest shapes placed per image.") var minInstances: Int = 2
    @Option(help: "Most shapes placed per image.") var maxInstances: Int = 8
    @Option(help: "Smallest object diameter as a fraction of the shorter side.") var minSize: Double = 0.06
    @Option(help: "Largest object diameter as a fraction of the shorter side.") var maxSize: Double = 0.55
    @Option(help: "Per-pixel noise standard deviation (0-255 scale).") var noise: Double = 6
    @Option(help: "Comma-separated classes, from: \(ShapeKind.allCases.map(\.rawValue).joined(separator: ",")).")
    var classes: String = ShapeKind.allCases.map(\.rawValue).joined(separator: ",")
    @Option(help: "Also write this many overlay PNGs (image | masks and boxes) to DIR/overlays.") var overlays: Int = 0
    @Option(help: "Integer magnification of the overlay PNGs (nearest neighbour), for looking at small images.")
    var overlayScale: Int = 1

    func run() throws {
        var config = SyntheticShapesConfig()
        config.width = width
        config.height = height
        config.minimumInstances = minInstances
        config.maximumInstances = maxInstances
        config.minimumSizeFraction = minSize
        config.maximumSizeFraction = maxSize
        config.pixelNoise = noise
        config.classes = try classes.split(separator: ",").map { name in
            guard let kind = ShapeKind(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("unknown class '\(name)'; valid: \(ShapeKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return kind
        }
        let dataset = try SyntheticShapesDataset(config: config, seed: seed, count: images)
        let start = Date()
        let written = try COCOExport.write(dataset, to: out, description: "diffinst synthetic shapes, seed \(seed), \(width)x\(height)")
        print(String(format: "wrote %d images, %d instances to %@ in %.2f s", images, written, out, Date().timeIntervalSince(start)))
        if overlays > 0 {
            let directory = URL(fileURLWithPath: out).appendingPathComponent("overlays")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for index in 0..<min(overlays, images) {
                let sample = try dataset.sample(at: index)
                let masks = try sample.instances.map { try COCODataset.mask(of: $0, width: width, height: height) }
                let overlay = MaskOverlay.render(sample.image, masks: masks, boxes: sample.instances.map(\.box))
                try ImageCodec.writePNG(MaskOverlay.magnified(MaskOverlay.sideBySide([sample.image, overlay]), by: overlayScale),
                                        path: directory.appendingPathComponent(String(format: "%06d.png", sample.imageID)).path)
            }
        }
    }
}

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Report on a COCO instances dataset: classes, counts, sizes, instances per image, formats, problems.")

    @Argument(help: "Instances JSON, or a dataset folder holding annotations_<split>.json and <split>/.")
    var path: String
    @Option(help: "Split to read when PATH is a folder.") var split: String = "train"
    @Option(help: "Image folder when PATH is a JSON file (default: the JSON's folder, or its images/ subfolder).")
    var images: String?
    @Flag(help: "Also decode every image and mask, check mask areas against `area`, and time it.")
    var decode = false
    @Option(help: "Also time this many training batches (reference augmentation, spec §11.3) through the loader.")
    var timeBatches: Int = 0
    @Option(help: "Images per batch for --time-batches.") var batchSize: Int = 2

    func run() throws {
        let start = Date()
        let dataset = try load()
        let parsed = Date().timeIntervalSince(start)
        print(DatasetReport(dataset).text)
        print(String(format: "JSON parsed and checked in %.2f s", parsed))
        if decode { try decodeAll(dataset) }
        if timeBatches > 0 { try timeLoader(dataset) }
    }

    private func timeLoader(_ dataset: COCODataset) throws {
        let loader = BatchLoader(dataset: dataset, transform: SampleTransform(training: true), batchSize: batchSize,
                                 shuffle: true, state: LoaderState(seed: 0))
        let start = Date()
        var instances = 0, pixels = 0
        for _ in 0..<timeBatches {
            let batch = try loader.next()
            instances += batch.targets.map(\.count).reduce(0, +)
            pixels += batch.images.count / 3
        }
        let seconds = Date().timeIntervalSince(start)
        print(String(format: "%d training batches of %d (%.2f Mpixel padded, %d instances) in %.2f s: %.3f s per batch",
                     timeBatches, batchSize, Double(pixels) / 1e6, instances, seconds, seconds / Double(timeBatches)))
        if !loader.skipped.isEmpty { print("skipped: \(loader.skipped)") }
    }

    private func decodeAll(_ dataset: COCODataset) throws {
        let decodeStart = Date()
        var pixels = 0, masks = 0, areaMismatches = 0, failures = 0
        for index in 0..<dataset.count {
            do {
                let sample = try dataset.sample(at: index)
                pixels += sample.image.width * sample.image.height
                for instance in sample.instances {
                    let mask = try COCODataset.mask(of: instance, width: sample.image.width, height: sample.image.height)
                    masks += 1
                    if Double(mask.area) != instance.area { areaMismatches += 1 }
                }
            } catch {
                failures += 1
                print("cannot load: \(error)")
            }
        }
        print(String(format: "decoded %d images (%.1f Mpixel) and %d masks in %.2f s; %d mask areas differ from `area`; %d images failed",
                     dataset.count - failures, Double(pixels) / 1e6, masks, Date().timeIntervalSince(decodeStart), areaMismatches, failures))
    }

    private func load() throws -> COCODataset {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ValidationError("\(path): no such file or folder")
        }
        if isDirectory.boolValue { return try COCODataset(root: path, split: split) }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        let imageFolder = images ?? (FileManager.default.fileExists(atPath: folder.appendingPathComponent("images").path)
                                     ? folder.appendingPathComponent("images").path : folder.path)
        return try COCODataset(annotationFile: path, imageDirectory: imageFolder)
    }
}
