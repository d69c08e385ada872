// The `Dataset` seam: anything that yields images with instance annotations in original pixels.
// Synthetic shapes and COCO JSON conform; transforms and the batch loader only see this protocol.
import Structures

/// An instance's shape as the dataset stores it, in original image pixels.
public enum Segmentation: Sendable {
    /// One or more polygons, each a flat `[x0, y0, x1, y1, …]` list (COCO polygon format).
    case polygons([[Double]])
    /// Run-length encoded (COCO RLE), decoded lazily because dense masks of a crowded image are large.
    case rle(RLE)
    /// A full-image binary mask (synthetic data).
    case mask(BitMask)
}

/// One annotated object of one image, as stored (before augmentation).
public struct InstanceAnnotation: Sendable {
    /// COCO annotation id (synthetic: position in the image).
    public var annotationID: Int
    /// Contiguous class index in 0..<K (see `classNames`; COCO ids map through `CategoryMap`).
    public var classIndex: Int
    /// Box as COCO stores it: x, y, width, height in original pixels.
    public var box: SIMD4<Double>
    public var segmentation: Segmentation
    /// Crowd regions are kept for evaluation and dropped by the training transforms (spec §9.1).
    public var isCrowd: Bool
    /// The annotation's `area` (pixel count of the mask for RLE; polygon area as COCO computes it).
    public var area: Double

    public init(annotationID: Int, classIndex: Int, box: SIMD4<Double>, segmentation: Segmentation,
                isCrowd: Bool = false, area: Double) {
        self.annotationID = annotationID
        self.classIndex = classIndex
        self.box = box
        self.segmentation = segmentation
        self.isCrowd = isCrowd
        self.area = area
    }
}

/// One image with its annotations.
public struct DatasetSample: Sendable {
    public var imageID: Int
    public var image: RGBImage
    public var instances: [InstanceAnnotation]

    public init(imageID: Int, image: RGBImage, instances: [InstanceAnnotation]) {
        self.imageID = imageID
        self.image = image
        self.instances = instances
    }
}

/// A random-access collection of annotated images. Implementations must be safe to read from
/// the loader's background thread while the caller keeps a reference.
public protocol InstanceDataset: Sendable {
    /// Number of images.
    var count: Int { get }
    /// Class names, indexed by contiguous class index.
    var classNames: [String] { get }
    /// The image and annotations at `index` in 0..<count. Throws when the image cannot be read.
    func sample(at index: Int) throws -> DatasetSample
}

/// The first `count` images of another dataset (e.g. a small subset for an overfitting check).
public struct DatasetPrefix: InstanceDataset {
    public let base: any InstanceDataset
    public let count: Int

    public init(_ base: any InstanceDataset, count: Int) {
        self.base = base
        self.count = min(max(0, count), base.count)
    }

    public var classNames: [String] { base.classNames }
    public func sample(at index: Int) throws -> DatasetSample {
        precondition((0..<count).contains(index), "image \(index) out of 0..<\(count)")
        return try base.sample(at: index)
    }
}
