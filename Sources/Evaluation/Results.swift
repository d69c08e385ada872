// Detections and the COCO results format (`[{image_id, category_id, score, bbox?, segmentation?}]`): reading
// with pycocotools' `loadRes` rules, validation of bad input, and writing files pycocotools loads unchanged.
import Foundation
import Structures
import Tensor

/// One scored detection. `bbox` is COCO `[x, y, w, h]`; `mask` a same-size-as-image RLE for segm.
public struct Detection: Sendable, Equatable {
    public var imageId: Int
    public var categoryId: Int
    public var score: Double
    public var bbox: [Double]
    public var mask: RLE?
    /// Area used for the small/medium/large ranges. nil: box area (w·h) for bbox evaluation, mask area for segm.
    /// Files set it as pycocotools does (see `DetectionResults.read`).
    public var area: Double?

    /// A box-only detection.
    public init(imageId: Int, categoryId: Int, score: Double, bbox: [Double]) {
        self.imageId = imageId; self.categoryId = categoryId; self.score = score; self.bbox = bbox
    }

    /// A mask detection; its box is the mask's tight box unless given.
    public init(imageId: Int, categoryId: Int, score: Double, mask: RLE, bbox: [Double]? = nil) {
        self.imageId = imageId; self.categoryId = categoryId; self.score = score
        self.mask = mask
        self.bbox = bbox ?? mask.boundingBox
    }

    /// The area pycocotools would use for this detection in an evaluation of `iouType`.
    func rangeArea(for iouType: IoUType) -> Double {
        if let area { return area }
        if iouType == .segm, let mask { return Double(mask.area) }
        return bbox[2] * bbox[3]
    }
}

public enum IoUType: String, Sendable, CaseIterable {
    case bbox, segm
}

public enum DetectionResults {
    /// Reads a COCO results file and checks it against `groundTruth`.
    ///
    /// As pycocotools' `loadRes`: when the first entry has a non-empty `bbox`, every detection's area is its box
    /// area (even for segm evaluation) and box-only entries become their box polygon for segm; otherwise areas are
    /// mask areas and missing boxes are the masks' boxes. Segmentations must be RLE of the image's size.
    /// Errors (naming the file and entry): not a list, missing fields, unknown image or category ids, non-finite
    /// scores or boxes, malformed RLE. An empty list is valid and yields no detections (every AP is then 0).
    public static func read(path: String, groundTruth: GroundTruth) throws -> [Detection] {
        try read(json: COCOError.readJSON(path: path), source: path, groundTruth: groundTruth)
    }

    public static func read(json: JSONValue, source: String, groundTruth: GroundTruth) throws -> [Detection] {
        func fail(_ message: String) -> COCOError { COCOError.file(source, message) }
        guard let entries = json.array else { throw fail("a results file must hold a JSON list of detections") }
        guard let first = entries.first else { return [] }
        let boxMode = (first["bbox"]?.array.map { !$0.isEmpty }) ?? false
        let images = Dictionary(groundTruth.images.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let categories = Set(groundTruth.categories.map(\.id))
        // Entries are independent: convert them in parallel (RLE decoding dominates), report the first error.
        var converted = [Detection?](repeating: nil, count: entries.count)
        var errors = [Error?](repeating: nil, count: entries.count)
        converted.withUnsafeMutableBufferPointer { detectionSlots in
            errors.withUnsafeMutableBufferPointer { errorSlots in
                let detectionSlots = detectionSlots, errorSlots = errorSlots
                Parallel.forEachChunk(entries.count, costPerItem: 512) { range in
                    for index in range {
                        do { detectionSlots[index] = try convert(index, entries[index]) } catch { errorSlots[index] = error }
                    }
                }
            }
        }
        if let error = errors.lazy.compactMap({ $0 }).first { throw error }
        return converted.map { $0! }

        func convert(_ index: Int, _ entry: JSONValue) throws -> Detection {
            guard entry.isObject else { throw fail("entry \(index) is not an object") }
            guard let imageId = entry["image_id"]?.int else { throw fail("entry \(index) needs an integer \"image_id\"") }
            guard let image = images[imageId] else {
                throw fail("entry \(index) refers to image id \(imageId), which is not in the ground truth")
            }
            guard let categoryId = entry["category_id"]?.int else { throw fail("entry \(index) needs an integer \"category_id\"") }
            guard categories.contains(categoryId) else {
                throw fail("entry \(index) refers to category id \(categoryId), which is not in the ground truth")
            }
            guard let score = entry["score"]?.double else { throw fail("entry \(index) needs a numeric \"score\"") }
            guard score.isFinite else { throw fail("entry \(index) has a non-finite score (\(score))") }
            var bbox: [Double]?
            if let value = entry["bbox"], boxMode || value.array?.isEmpty == false {
                guard let numbers = value.array, numbers.count == 4 else { throw fail("entry \(index) needs \"bbox\": [x, y, w, h]") }
                let box = numbers.compactMap(\.double)
                guard box.count == 4, box.allSatisfy(\.isFinite) else { throw fail("entry \(index) has a non-finite or non-numeric bbox") }
                bbox = box
            }
            var mask: RLE?
            if let value = entry["segmentation"], value != .null {
                do {
                    let segmentation = try COCOSegmentation(jsonValue: value)
                    if case .polygons = segmentation {
                        throw RLEError.invalidSegmentation("result segmentations must be RLE, not polygons")
                    }
                    mask = try segmentation.rle(imageHeight: image.height, imageWidth: image.width)
                } catch {
                    throw fail("entry \(index) (image \(imageId)): \(error)")
                }
            }
            var detection: Detection
            if boxMode {
                guard let bbox else { throw fail("entry \(index) has no \"bbox\" although the first entry has one") }
                detection = Detection(imageId: imageId, categoryId: categoryId, score: score, bbox: bbox)
                detection.mask = mask
                detection.area = bbox[2] * bbox[3]
            } else {
                guard let mask else { throw fail("entry \(index) needs \"bbox\" or an RLE \"segmentation\"") }
                detection = Detection(imageId: imageId, categoryId: categoryId, score: score, mask: mask, bbox: bbox)
                detection.area = Double(mask.area)
            }
            return detection
        }
    }

    /// COCO results JSON: `bbox` (for `.bbox`, or when `includeBoxes`) and compressed-RLE `segmentation` (for
    /// `.segm`). pycocotools' `loadRes` reads it unchanged. With both fields present pycocotools takes areas from
    /// the boxes, so segm files leave boxes out unless asked.
    public static func json(_ detections: [Detection], iouType: IoUType, includeBoxes: Bool = false) throws -> String {
        var out = "["
        out.reserveCapacity(detections.count * 120)
        for (index, d) in detections.enumerated() {
            guard d.score.isFinite else { throw COCOError.invalid("detection \(index) has a non-finite score") }
            if index > 0 { out += ",\n" }
            out += "{\"image_id\":\(d.imageId),\"category_id\":\(d.categoryId),\"score\":\(JSONWriter.number(d.score))"
            if iouType == .bbox || includeBoxes {
                out += ",\"bbox\":[" + d.bbox.map(JSONWriter.number).joined(separator: ",") + "]"
            }
            if iouType == .segm {
                guard let mask = d.mask else { throw COCOError.invalid("detection \(index) has no mask for a segm results file") }
                out += ",\"segmentation\":{\"size\":[\(mask.height),\(mask.width)],\"counts\":"
                    + JSONWriter.string(mask.compressedString()) + "}"
            }
            out += "}"
        }
        return out + "]\n"
    }

    public static func write(_ detections: [Detection], iouType: IoUType, to path: String, includeBoxes: Bool = false) throws {
        let text = try json(detections, iouType: iouType, includeBoxes: includeBoxes)
        do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
            throw COCOError.file(path, "cannot be written (\(error.localizedDescription))")
        }
    }
}
