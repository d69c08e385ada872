// Ground truth for evaluation: COCO images, categories and annotations, read from a COCO instances JSON file
// (the exact reader, Structures/JSONValue.swift) or built in memory by the trainer. Field semantics follow pycocotools.
import Foundation
import Structures

/// Bad evaluation input, always naming the file (or "in-memory") and the offending entry.
public enum COCOError: Error, CustomStringConvertible, Equatable {
    case file(String, String)
    case invalid(String)

    public var description: String {
        switch self {
        case let .file(path, message): return "\(path): \(message)"
        case let .invalid(message): return message
        }
    }

    /// Reads a JSON file with the exact reader, its failures as `.file(path, problem)`.
    static func readJSON(path: String) throws -> JSONValue {
        do { return try JSONValue.parse(contentsOf: path) } catch let error as JSONFileError {
            throw COCOError.file(error.path, error.problem)
        }
    }
}

public struct EvaluationImage: Sendable, Equatable {
    public var id: Int
    public var width: Int
    public var height: Int
    public init(id: Int, width: Int, height: Int) { self.id = id; self.width = width; self.height = height }
}

public struct EvaluationCategory: Sendable, Equatable {
    public var id: Int
    public var name: String
    public init(id: Int, name: String) { self.id = id; self.name = name }
}

/// One ground-truth object. `area` is the annotation's own `area` field (pycocotools uses it, not the mask area,
/// for the small/medium/large ranges). Crowd regions (`isCrowd`) are never counted as misses and may absorb
/// any number of detections.
public struct GroundTruthAnnotation: Sendable, Equatable {
    public var id: Int
    public var imageId: Int
    public var categoryId: Int
    /// COCO box `[x, y, w, h]`.
    public var bbox: [Double]
    public var area: Double
    public var isCrowd: Bool
    /// Needed for segm evaluation only.
    public var segmentation: COCOSegmentation?

    public init(id: Int, imageId: Int, categoryId: Int, bbox: [Double], area: Double, isCrowd: Bool = false,
                segmentation: COCOSegmentation? = nil) {
        self.id = id; self.imageId = imageId; self.categoryId = categoryId; self.bbox = bbox
        self.area = area; self.isCrowd = isCrowd; self.segmentation = segmentation
    }

    /// From a mask: box and area are the mask's (as the COCO converters do).
    public init(id: Int, imageId: Int, categoryId: Int, mask: RLE, isCrowd: Bool = false) {
        self.init(id: id, imageId: imageId, categoryId: categoryId, bbox: mask.boundingBox, area: Double(mask.area),
                  isCrowd: isCrowd, segmentation: .compressed(height: mask.height, width: mask.width, counts: mask.compressedString()))
    }
}

/// A COCO ground-truth set. Image and annotation order is kept: it decides pycocotools' tie-breaking.
public struct GroundTruth: Sendable {
    public var images: [EvaluationImage]
    public var categories: [EvaluationCategory]
    public var annotations: [GroundTruthAnnotation]
    /// Where it came from, for error messages.
    public var source: String

    /// In-memory ground truth; checks ids are unique and every annotation names a known image and category.
    public init(images: [EvaluationImage], categories: [EvaluationCategory], annotations: [GroundTruthAnnotation],
                source: String = "in-memory ground truth") throws {
        self.images = images; self.categories = categories; self.annotations = annotations; self.source = source
        var imageIds = Set<Int>()
        for image in images where !imageIds.insert(image.id).inserted {
            throw COCOError.file(source, "image id \(image.id) appears twice")
        }
        let categoryIds = Set(categories.map(\.id))
        guard categoryIds.count == categories.count else { throw COCOError.file(source, "category ids are not unique") }
        for a in annotations {
            guard imageIds.contains(a.imageId) else {
                throw COCOError.file(source, "annotation \(a.id) refers to unknown image id \(a.imageId)")
            }
            guard categoryIds.contains(a.categoryId) else {
                throw COCOError.file(source, "annotation \(a.id) refers to unknown category id \(a.categoryId)")
            }
            guard a.bbox.count == 4, a.bbox.allSatisfy(\.isFinite), a.area.isFinite else {
                throw COCOError.file(source, "annotation \(a.id) has a malformed bbox or area")
            }
        }
    }

    /// Reads a COCO instances file (`images`, `categories`, `annotations`). Missing `area` falls back to the mask
    /// area (segmentation given) or the box area; missing `iscrowd` means 0; segmentations are parsed (not yet
    /// rasterised) and checked when evaluated.
    public static func load(path: String) throws -> GroundTruth {
        try GroundTruth(json: COCOError.readJSON(path: path), source: path)
    }

    public init(json: JSONValue, source: String) throws {
        func fail(_ message: String) -> COCOError { COCOError.file(source, message) }
        guard let imageList = json["images"]?.array else { throw fail("no \"images\" list") }
        var images: [EvaluationImage] = []
        for (index, entry) in imageList.enumerated() {
            guard let id = entry["id"]?.int, let width = entry["width"]?.int, let height = entry["height"]?.int,
                  width >= 0, height >= 0 else {
                throw fail("images[\(index)] needs integer \"id\", \"width\" and \"height\"")
            }
            images.append(EvaluationImage(id: id, width: width, height: height))
        }
        var categories: [EvaluationCategory] = []
        for (index, entry) in (json["categories"]?.array ?? []).enumerated() {
            guard let id = entry["id"]?.int else { throw fail("categories[\(index)] needs an integer \"id\"") }
            categories.append(EvaluationCategory(id: id, name: entry["name"]?.string ?? "\(id)"))
        }
        let sizes = Dictionary(images.map { ($0.id, ($0.height, $0.width)) }, uniquingKeysWith: { a, _ in a })
        var annotations: [GroundTruthAnnotation] = []
        for (index, entry) in (json["annotations"]?.array ?? []).enumerated() {
            guard let id = entry["id"]?.int, let imageId = entry["image_id"]?.int, let categoryId = entry["category_id"]?.int else {
                throw fail("annotations[\(index)] needs integer \"id\", \"image_id\" and \"category_id\"")
            }
            var segmentation: COCOSegmentation?
            if let value = entry["segmentation"], value != .null {
                do { segmentation = try COCOSegmentation(jsonValue: value) } catch {
                    throw fail("annotation \(id): \(error)")
                }
            }
            var bbox = entry["bbox"]?.array?.compactMap(\.double) ?? []
            if bbox.count != 4 {
                guard entry["bbox"] == nil, let segmentation, let size = sizes[imageId] else {
                    throw fail("annotation \(id) needs \"bbox\": [x, y, w, h]")
                }
                bbox = try segmentation.rle(imageHeight: size.0, imageWidth: size.1).boundingBox
            }
            var area: Double
            if let value = entry["area"]?.double { area = value } else if let segmentation, let size = sizes[imageId] {
                do { area = Double(try segmentation.rle(imageHeight: size.0, imageWidth: size.1).area) } catch {
                    throw fail("annotation \(id): \(error)")
                }
            } else {
                area = bbox[2] * bbox[3]
            }
            let crowdValue = entry["iscrowd"]
            let isCrowd = crowdValue?.int.map { $0 != 0 } ?? (crowdValue == .bool(true))
            annotations.append(GroundTruthAnnotation(id: id, imageId: imageId, categoryId: categoryId, bbox: bbox,
                                                     area: area, isCrowd: isCrowd, segmentation: segmentation))
        }
        try self.init(images: images, categories: categories, annotations: annotations, source: source)
    }
}

extension COCOSegmentation {
    /// Parses a segmentation from the evaluator's JSON tree (same rules as `init(json:)`).
    public init(jsonValue value: JSONValue) throws {
        switch value {
        case let .array(parts):
            self = .polygons(try parts.enumerated().map { index, part in
                guard let numbers = part.array else { throw RLEError.invalidSegmentation("polygon \(index) is not a list of numbers") }
                return try numbers.map { number in
                    guard let x = number.double, x.isFinite else {
                        throw RLEError.invalidSegmentation("polygon \(index) holds a non-numeric or non-finite coordinate")
                    }
                    return x
                }
            })
        case .object:
            guard let size = value["size"]?.array, size.count == 2, let h = size[0].int, let w = size[1].int, h >= 0, w >= 0 else {
                throw RLEError.invalidSegmentation("RLE needs \"size\": [height, width]")
            }
            if let counts = value["counts"]?.string {
                self = .compressed(height: h, width: w, counts: counts)
            } else if let counts = value["counts"]?.array {
                self = .uncompressed(height: h, width: w, counts: try counts.map {
                    guard let c = $0.int else { throw RLEError.invalidSegmentation("RLE counts must be integers") }
                    return c
                })
            } else {
                throw RLEError.invalidSegmentation("RLE needs \"counts\" as a string or a list of integers")
            }
        default:
            throw RLEError.invalidSegmentation("expected a polygon list or an RLE object")
        }
    }
}
