// Parsing of a COCO instances JSON into records, with the leniency rules of `COCODataset`: structural
// problems (not JSON, missing top-level or per-entry keys) throw; bad annotations are reported and skipped.
// The JSON is read with the package's exact reader (Structures/JSONValue.swift), so polygon coordinates are
// the correctly rounded doubles that pycocotools and Evaluation see.
import Foundation
import Structures

struct COCOJSONParser {
    let path: String
    let imageDirectory: String

    struct Result {
        var images: [COCOImageRecord] = []
        var annotations: [[InstanceAnnotation]] = []
        var categories = CategoryMap(ids: [], names: [])
        var issues: [DatasetIssue] = []
        var formatCounts: [SegmentationFormat: Int] = [:]
    }

    func parse() throws -> Result {
        let top: JSONValue
        do { top = try JSONValue.parse(contentsOf: path) } catch let JSONFileError.unreadable(_, reason) {
            throw DatasetError.unreadableFile(path: path, reason: reason)
        } catch let JSONFileError.invalid(_, reason) {
            throw DatasetError.invalidJSON(path: path, reason: reason)
        }
        guard top.isObject else { throw DatasetError.invalidJSON(path: path, reason: "the top level is not an object") }
        func list(_ key: String) throws -> [JSONValue] {
            guard let value = top[key] else { throw DatasetError.missingKey(path: path, key: key, context: "the top-level object") }
            guard let entries = value.array else { throw DatasetError.invalidJSON(path: path, reason: "\"\(key)\" is not a list") }
            for (offset, entry) in entries.enumerated() where !entry.isObject {
                throw DatasetError.invalidJSON(path: path, reason: "\(key)[\(offset)] is not an object")
            }
            return entries
        }
        var result = Result()
        result.categories = try parseCategories(try list("categories"))
        let imageEntries = try list("images")
        let annotationEntries = try list("annotations")

        var indexByImageID: [Int: Int] = [:]
        var knownButMissing = Set<Int>()
        for (offset, entry) in imageEntries.enumerated() {
            let context = "images[\(offset)]"
            let id = try integer(entry, "id", context)
            let fileName = try string(entry, "file_name", context)
            let width = try integer(entry, "width", context), height = try integer(entry, "height", context)
            if indexByImageID[id] != nil || knownButMissing.contains(id) {
                result.issues.append(issue(.duplicateID, "\(context): image id \(id) appears twice; the later entry is skipped"))
                continue
            }
            guard width > 0, height > 0 else {
                throw DatasetError.invalidJSON(path: path, reason: "\(context) (\(fileName)) has size \(width)x\(height)")
            }
            let imagePath = URL(fileURLWithPath: imageDirectory).appendingPathComponent(fileName).path
            guard FileManager.default.fileExists(atPath: imagePath) else {
                knownButMissing.insert(id)
                result.issues.append(issue(.missingImage, "image id \(id): file \(imagePath) not found; image and its annotations skipped"))
                continue
            }
            indexByImageID[id] = result.images.count
            result.images.append(COCOImageRecord(id: id, fileName: fileName, width: width, height: height))
        }
        result.annotations = Array(repeating: [], count: result.images.count)

        var seenAnnotationIDs = Set<Int>()
        for (offset, entry) in annotationEntries.enumerated() {
            let context = "annotations[\(offset)]"
            let id = try integer(entry, "id", context)
            let imageID = try integer(entry, "image_id", context)
            let categoryID = try integer(entry, "category_id", context)
            guard entry["segmentation"] != nil else { throw DatasetError.missingKey(path: path, key: "segmentation", context: context) }
            if !seenAnnotationIDs.insert(id).inserted {
                result.issues.append(issue(.duplicateID, "annotation id \(id) appears more than once (kept)"))
            }
            if knownButMissing.contains(imageID) { continue }
            guard let imageIndex = indexByImageID[imageID] else {
                result.issues.append(issue(.unknownImage, "annotation \(id) points to unknown image id \(imageID); skipped"))
                continue
            }
            guard let classIndex = result.categories.classIndex(ofCategoryID: categoryID) else {
                result.issues.append(issue(.unknownCategory, "annotation \(id) has unknown category id \(categoryID); skipped"))
                continue
            }
            let record = result.images[imageIndex]
            do {
                let (segmentation, format) = try parseSegmentation(entry["segmentation"]!, record: record)
                let box = try parseBox(entry["bbox"], segmentation: segmentation, record: record)
                let isCrowd = entry["iscrowd"] == .bool(true) || (entry["iscrowd"]?.double ?? 0) != 0
                var area = entry["area"]?.double ?? -1
                if !(area >= 0) || !area.isFinite {
                    area = Double(try COCODataset.mask(
                        of: InstanceAnnotation(annotationID: id, classIndex: classIndex, box: box, segmentation: segmentation, area: 0),
                        width: record.width, height: record.height).area)
                }
                result.annotations[imageIndex].append(InstanceAnnotation(
                    annotationID: id, classIndex: classIndex, box: box, segmentation: segmentation, isCrowd: isCrowd, area: area))
                result.formatCounts[format, default: 0] += 1
            } catch let problem as AnnotationProblem {
                result.issues.append(issue(problem.kind, "annotation \(id) (image \(imageID)): \(problem.message); skipped"))
            } catch {
                result.issues.append(issue(.badSegmentation, "annotation \(id) (image \(imageID)): \(error); skipped"))
            }
        }
        return result
    }

    private struct AnnotationProblem: Error {
        let kind: DatasetIssue.Kind
        let message: String
    }

    private func issue(_ kind: DatasetIssue.Kind, _ message: String) -> DatasetIssue {
        DatasetIssue(file: path, kind: kind, message: message)
    }

    private func parseCategories(_ entries: [JSONValue]) throws -> CategoryMap {
        var ids: [Int] = [], names: [String] = []
        for (offset, entry) in entries.enumerated() {
            let context = "categories[\(offset)]"
            let id = try integer(entry, "id", context)
            if ids.contains(id) { throw DatasetError.invalidJSON(path: path, reason: "category id \(id) appears twice") }
            ids.append(id)
            names.append(try string(entry, "name", context))
        }
        return CategoryMap(ids: ids, names: names)
    }

    /// Polygons lose parts with fewer than 3 points or an odd number of coordinates; if none is left the
    /// annotation is degenerate. RLE must decode and have the image's size.
    private func parseSegmentation(_ value: JSONValue, record: COCOImageRecord) throws -> (Segmentation, SegmentationFormat) {
        let parsed = try segmentationValue(value)
        switch parsed {
        case .polygons(let polygons):
            let usable = polygons.filter { $0.count >= 6 && $0.count % 2 == 0 && $0.allSatisfy(\.isFinite) }
            guard !usable.isEmpty else {
                throw AnnotationProblem(kind: .degeneratePolygon,
                                        message: "no polygon with at least 3 points (parts have \(polygons.map(\.count)) coordinates)")
            }
            let mask = try Polygon.rasterize(polygons: usable, height: record.height, width: record.width)
            guard mask.area > 0 else {
                throw AnnotationProblem(kind: .degeneratePolygon, message: "polygon covers no pixel")
            }
            return (.polygons(usable), .polygon)
        case .uncompressed, .compressed:
            let rle: RLE
            do { rle = try parsed.rle(imageHeight: record.height, imageWidth: record.width) } catch {
                throw AnnotationProblem(kind: .badSegmentation, message: "\(error)")
            }
            if case .compressed = parsed { return (.rle(rle), .compressedRLE) }
            return (.rle(rle), .uncompressedRLE)
        }
    }

    /// The JSON value as one of the three COCO encodings; every problem becomes an `AnnotationProblem`
    /// (reported and skipped).
    private func segmentationValue(_ value: JSONValue) throws -> COCOSegmentation {
        func numbers(_ list: [JSONValue], _ what: String) throws -> [Double] {
            try list.map { element in
                guard let number = element.double, number.isFinite else {
                    throw AnnotationProblem(kind: .badSegmentation, message: "\(what) holds a non-numeric or non-finite value")
                }
                return number
            }
        }
        if let parts = value.array {
            return .polygons(try parts.enumerated().map { index, part in
                guard let list = part.array else {
                    throw AnnotationProblem(kind: .badSegmentation, message: "polygon \(index) is not a list of numbers")
                }
                return try numbers(list, "polygon \(index)")
            })
        }
        guard value.isObject else {
            throw AnnotationProblem(kind: .badSegmentation, message: "segmentation is neither a polygon list nor an RLE object")
        }
        guard let size = value["size"]?.array, size.count == 2, let hw = try? numbers(size, "size"),
              hw.allSatisfy({ $0 >= 0 && $0 == $0.rounded() }) else {
            throw AnnotationProblem(kind: .badSegmentation, message: "RLE needs \"size\": [height, width]")
        }
        if let text = value["counts"]?.string { return .compressed(height: Int(hw[0]), width: Int(hw[1]), counts: text) }
        guard let list = value["counts"]?.array else {
            throw AnnotationProblem(kind: .badSegmentation, message: "RLE needs \"counts\" as a string or a list of integers")
        }
        let counts = try numbers(list, "RLE counts")
        guard counts.allSatisfy({ $0 == $0.rounded() && abs($0) < 1e12 }) else {
            throw AnnotationProblem(kind: .badSegmentation, message: "RLE counts must be integers")
        }
        return .uncompressed(height: Int(hw[0]), width: Int(hw[1]), counts: counts.map { Int($0) })
    }

    /// `bbox` as [x, y, w, h]; when absent it is the mask's tight box. A box with a side ≤ 0 is degenerate.
    private func parseBox(_ value: JSONValue?, segmentation: Segmentation, record: COCOImageRecord) throws -> SIMD4<Double> {
        guard let value else {
            let mask = try COCODataset.mask(of: InstanceAnnotation(annotationID: 0, classIndex: 0, box: .zero,
                                                                  segmentation: segmentation, area: 0),
                                            width: record.width, height: record.height)
            guard let b = mask.boundingBox else { throw AnnotationProblem(kind: .degenerateBox, message: "empty mask and no bbox") }
            return SIMD4(Double(b.x1), Double(b.y1), Double(b.x2 - b.x1), Double(b.y2 - b.y1))
        }
        guard let list = value.array, list.count == 4, case let numbers = list.compactMap(\.double), numbers.count == 4 else {
            throw AnnotationProblem(kind: .degenerateBox, message: "bbox is not a list of 4 numbers")
        }
        let box = SIMD4(numbers)
        guard (0..<4).allSatisfy({ box[$0].isFinite }), box[2] > 0, box[3] > 0 else {
            throw AnnotationProblem(kind: .degenerateBox, message: "degenerate bbox \(numbers)")
        }
        return box
    }

    private func integer(_ entry: JSONValue, _ key: String, _ context: String) throws -> Int {
        guard let value = entry[key] else { throw DatasetError.missingKey(path: path, key: key, context: context) }
        guard let number = value.int else {
            throw DatasetError.invalidJSON(path: path, reason: "\(context).\(key) is not an integer")
        }
        return number
    }

    private func string(_ entry: JSONValue, _ key: String, _ context: String) throws -> String {
        guard let value = entry[key] else { throw DatasetError.missingKey(path: path, key: key, context: context) }
        guard let text = value.string else { throw DatasetError.invalidJSON(path: path, reason: "\(context).\(key) is not a string") }
        return text
    }
}
