// What the data pipeline hands to a model: padded, normalised images plus per-image targets.
// Shapes follow spec §2 and §9.1 (B images, padded to a multiple of 32, stride-4 GT masks for dice).
import Tensor

/// Ground truth of one image after augmentation, in the coordinates of the resized (unpadded) image.
public struct InstanceTargets: Sendable {
    /// Contiguous class ids in 0..<K, one per instance (crowd instances are not here).
    public var classes: [Int]
    /// M×4 boxes, xyxy in pixels of the resized image.
    public var boxes: [SIMD4<Float>]
    /// Full-resolution masks (h×w), one per instance.
    public var masks: [BitMask]

    public init(classes: [Int], boxes: [SIMD4<Float>], masks: [BitMask]) {
        precondition(classes.count == boxes.count && boxes.count == masks.count, "instance arrays disagree in length")
        self.classes = classes
        self.boxes = boxes
        self.masks = masks
    }

    public var count: Int { classes.count }
}

public struct ImageBatch: @unchecked Sendable {
    /// B×3×Hp×Wp, normalised with the ImageNet mean/std, zero-padded at bottom/right to a multiple of 32.
    public var images: Tensor
    /// Resized, unpadded (h, w) of each image: boxes are normalised by these (spec §15.2).
    public var imageSizes: [(height: Int, width: Int)]
    /// Original (Ho, Wo) of each image, for mapping predictions back (spec §10.5).
    public var originalSizes: [(height: Int, width: Int)]
    /// Dataset image ids (COCO `image_id`), for writing results.
    public var imageIDs: [Int]
    /// Per-image targets (empty in inference batches).
    public var targets: [InstanceTargets]
    /// Per image, M×(Hp/4)×(Wp/4) GT masks sampled at rows/cols 2, 6, 10, … of the padded canvas (spec §9.5).
    public var strideFourMasks: [Tensor]

    public init(images: Tensor, imageSizes: [(height: Int, width: Int)], originalSizes: [(height: Int, width: Int)],
                imageIDs: [Int], targets: [InstanceTargets], strideFourMasks: [Tensor]) {
        self.images = images
        self.imageSizes = imageSizes
        self.originalSizes = originalSizes
        self.imageIDs = imageIDs
        self.targets = targets
        self.strideFourMasks = strideFourMasks
    }

    public var count: Int { imageSizes.count }
    public var paddedHeight: Int { images.shape[2] }
    public var paddedWidth: Int { images.shape[3] }
}
