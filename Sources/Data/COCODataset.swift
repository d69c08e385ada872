// COCO instances JSON as a `Dataset`: polygons (several per object), uncompressed and compressed RLE, crowd
// flags, category ids ↔ contiguous classes. Loading is lenient: bad annotations are reported and skipped,
// and problems that make the file unusable throw an error naming the file.
import Foundation
import Structures

/// COCO category ids ↔ contiguous class indices 0..<K (ids sorted ascending, as detectron2 does).
public struct CategoryMap: Sendable, Equatable {
    /// COCO id of each contiguous class.
    public let ids: [Int]
    public let names: [String]
    private let indexByID: [Int: Int]

    public init(ids: [Int], names: [String]) {
        let order = ids.indices.sorted { ids[$0] < ids[$1] }
        self.ids = order.map { ids[$0] }
        self.names = order.map { names[$0] }
        indexByID = Dictionary(uniqueKeysWithValues: self.ids.enumerated().map { ($1, $0) })
    }

    public var count: Int { ids.count }
    /// The contiguous class of a COCO category id, or nil when the id is unknown.
    public func classIndex(ofCategoryID id: Int) -> Int? { indexByID[id] }
    /// The COCO category id of a contiguous class.
    public func categoryID(ofClass index: Int) -> Int { ids[index] }
}

/// One entry of the JSON's `images` list.
public struct COCOImageRecord: Sendable, Equatable {
    public let id: Int
    public let fileName: String
    public let width: Int
    public let height: Int
}

/// How each annotation's segmentation was stored (for `data inspect`).
public enum SegmentationFormat: String, Sendable, CaseIterable {
    case polygon, uncompressedRLE = "uncompressed RLE", compressedRLE = "compressed RLE"
}

public struct COCODataset: InstanceDataset {
    public let annotationFile: String
    public let imageDirectory: String
    /// Images whose files exist, in JSON order (missing files are reported in `issues` and left out).
    public let images: [COCOImageRecord]
    /// Annotations of `images[i]`, crowd regions included (training transforms drop them).
    public let annotations: [[InstanceAnnotation]]
    public let categories: CategoryMap
    /// Everything that was reported and skipped while loading.
    public let issues: [DatasetIssue]
    /// How many kept annotations used each segmentation format.
    public let formatCounts: [SegmentationFormat: Int]

    public var count: Int { images.count }
    public var classNames: [String] { categories.names }

    /// Reads `annotationFile`; image paths are `imageDirectory/file_name`.
    public init(annotationFile: String, imageDirectory: String) throws {
        self.annotationFile = annotationFile
        self.imageDirectory = imageDirectory
        let parsed = try COCOJSONParser(path: annotationFile, imageDirectory: imageDirectory).parse()
        images = parsed.images
        annotations = parsed.annotations
        categories = parsed.categories
        issues = parsed.issues
        formatCounts = parsed.formatCounts
    }

    /// The usual layout of the shared datasets: `root/annotations_<split>.json` with images in `root/<split>/`.
    public init(root: String, split: String) throws {
        let base = URL(fileURLWithPath: root)
        try self.init(annotationFile: base.appendingPathComponent("annotations_\(split).json").path,
                      imageDirectory: base.appendingPathComponent(split).path)
    }

    public func imagePath(at index: Int) -> String {
        URL(fileURLWithPath: imageDirectory).appendingPathComponent(images[index].fileName).path
    }

    /// Decodes the image (PNG or JPEG) and returns it with its annotations; the decoded size must match the JSON.
    public func sample(at index: Int) throws -> DatasetSample {
        let record = images[index]
        let path = imagePath(at: index)
        let image = try ImageCodec.read(path: path)
        guard image.width == record.width, image.height == record.height else {
            throw DatasetError.unreadableFile(path: path, reason:
                "image is \(image.width)x\(image.height) but \(annotationFile) says \(record.width)x\(record.height) (image id \(record.id))")
        }
        return DatasetSample(imageID: record.id, image: image, instances: annotations[index])
    }

    /// The decoded mask of an annotation at its image's size.
    public static func mask(of instance: InstanceAnnotation, width: Int, height: Int) throws -> BitMask {
        switch instance.segmentation {
        case .polygons(let polygons): return try Polygon.rasterize(polygons: polygons, height: height, width: width).toBitMask()
        case .rle(let rle): return rle.toBitMask()
        case .mask(let mask): return mask
        }
    }
}
