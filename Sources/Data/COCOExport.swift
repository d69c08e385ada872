// Writes any `InstanceDataset` (typically the synthetic one) as a COCO dataset on disk: PNG images and an
// instances JSON whose masks are compressed RLE strings, readable by pycocotools and by `COCODataset`.
import Foundation
import Structures

public enum COCOExport {
    /// Writes `directory/images/NNNNNN.png` and `directory/instances.json`. Category ids are 1…K in class order.
    /// Returns the number of annotations written.
    @discardableResult
    public static func write(_ dataset: any InstanceDataset, to directory: String, description: String,
                             progress: ((Int) -> Void)? = nil) throws -> Int {
        let root = URL(fileURLWithPath: directory)
        let imageDirectory = root.appendingPathComponent("images")
        do { try FileManager.default.createDirectory(at: imageDirectory, withIntermediateDirectories: true) } catch {
            throw DatasetError.unreadableFile(path: imageDirectory.path, reason: "cannot create directory: \(error.localizedDescription)")
        }
        var images: [[String: Any]] = [], annotations: [[String: Any]] = []
        for index in 0..<dataset.count {
            let sample = try dataset.sample(at: index)
            let fileName = String(format: "%06d.png", sample.imageID)
            try ImageCodec.writePNG(sample.image, path: imageDirectory.appendingPathComponent(fileName).path)
            images.append(["id": sample.imageID, "file_name": fileName, "width": sample.image.width, "height": sample.image.height])
            for instance in sample.instances {
                let rle: RLE
                switch instance.segmentation {
                case .mask(let mask): rle = RLE(mask)
                case .rle(let encoded): rle = encoded
                case .polygons(let polygons):
                    rle = try Polygon.rasterize(polygons: polygons, height: sample.image.height, width: sample.image.width)
                }
                annotations.append([
                    "id": annotations.count + 1, "image_id": sample.imageID, "category_id": instance.classIndex + 1,
                    "segmentation": ["size": [rle.height, rle.width], "counts": rle.compressedString()] as [String: Any],
                    "area": rle.area, "bbox": rle.boundingBox, "iscrowd": instance.isCrowd ? 1 : 0,
                ])
            }
            progress?(index + 1)
        }
        let categories = dataset.classNames.enumerated().map { ["id": $0.offset + 1, "name": $0.element, "supercategory": "shape"] as [String: Any] }
        let document: [String: Any] = [
            "info": ["description": description, "version": "1.0"],
            "licenses": [] as [Any], "categories": categories, "images": images, "annotations": annotations,
        ]
        let path = root.appendingPathComponent("instances.json").path
        do {
            let data = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])
            try data.write(to: URL(fileURLWithPath: path))
        } catch {
            throw DatasetError.unreadableFile(path: path, reason: "cannot write: \(error.localizedDescription)")
        }
        return annotations.count
    }
}
