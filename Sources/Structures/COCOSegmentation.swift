// The three COCO segmentation encodings (polygons, uncompressed RLE, compressed RLE) as parsed from JSON,
// and their conversion to one RLE per object the way pycocotools' `annToRLE` does it.
import Foundation

public enum COCOSegmentation: Equatable, Sendable {
    /// One or more polygons `[x0, y0, x1, y1, …]` forming one object.
    case polygons([[Double]])
    /// `{"size": [h, w], "counts": [Int]}`.
    case uncompressed(height: Int, width: Int, counts: [Int])
    /// `{"size": [h, w], "counts": "string"}`.
    case compressed(height: Int, width: Int, counts: String)

    /// Parses a JSONSerialization value (array of polygons or an RLE dictionary).
    public init(json: Any) throws {
        if let list = json as? [Any] {
            var polygons: [[Double]] = []
            for (index, part) in list.enumerated() {
                guard let numbers = part as? [Any] else {
                    throw RLEError.invalidSegmentation("polygon \(index) is not a list of numbers")
                }
                polygons.append(try numbers.map { value -> Double in
                    guard let number = value as? NSNumber, number.doubleValue.isFinite else {
                        throw RLEError.invalidSegmentation("polygon \(index) holds a non-numeric or non-finite coordinate")
                    }
                    return number.doubleValue
                })
            }
            self = .polygons(polygons)
            return
        }
        guard let dictionary = json as? [String: Any] else {
            throw RLEError.invalidSegmentation("expected a polygon list or an RLE object")
        }
        guard let size = dictionary["size"] as? [Any], size.count == 2,
              let h = (size[0] as? NSNumber)?.intValue, let w = (size[1] as? NSNumber)?.intValue, h >= 0, w >= 0 else {
            throw RLEError.invalidSegmentation("RLE needs \"size\": [height, width]")
        }
        if let string = dictionary["counts"] as? String {
            self = .compressed(height: h, width: w, counts: string)
        } else if let numbers = dictionary["counts"] as? [Any] {
            let counts = try numbers.map { value -> Int in
                guard let number = value as? NSNumber, number.doubleValue == number.doubleValue.rounded() else {
                    throw RLEError.invalidSegmentation("RLE counts must be integers")
                }
                return number.intValue
            }
            self = .uncompressed(height: h, width: w, counts: counts)
        } else {
            throw RLEError.invalidSegmentation("RLE needs \"counts\" as a string or a list of integers")
        }
    }

    /// The object's mask in an `imageHeight`×`imageWidth` image: polygons are rasterised (and merged), RLE is
    /// decoded and must have the image's size.
    public func rle(imageHeight: Int, imageWidth: Int) throws -> RLE {
        switch self {
        case let .polygons(polygons):
            return try Polygon.rasterize(polygons: polygons, height: imageHeight, width: imageWidth)
        case let .uncompressed(h, w, counts):
            try COCOSegmentation.checkSize(h, w, imageHeight, imageWidth)
            return try RLE(height: h, width: w, validatingCounts: counts)
        case let .compressed(h, w, counts):
            try COCOSegmentation.checkSize(h, w, imageHeight, imageWidth)
            return try RLE(compressed: counts, height: h, width: w)
        }
    }

    private static func checkSize(_ h: Int, _ w: Int, _ imageHeight: Int, _ imageWidth: Int) throws {
        guard h == imageHeight && w == imageWidth else {
            throw RLEError.sizeMismatch("RLE is \(h)x\(w) but its image is \(imageHeight)x\(imageWidth)")
        }
    }

    /// The value to hand to JSONSerialization.
    public var jsonObject: Any {
        switch self {
        case let .polygons(polygons): return polygons
        case let .uncompressed(h, w, counts): return ["size": [h, w], "counts": counts] as [String: Any]
        case let .compressed(h, w, counts): return ["size": [h, w], "counts": counts] as [String: Any]
        }
    }
}

extension RLE {
    /// This mask as a compressed COCO segmentation.
    public var cocoSegmentation: COCOSegmentation {
        .compressed(height: height, width: width, counts: compressedString())
    }
}
