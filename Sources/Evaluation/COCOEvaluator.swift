// COCOeval re-implemented: per (image, category) IoU and greedy matching for every area range (in parallel over
// images), then accumulation of the precision/recall arrays exactly as pycocotools' `accumulate`, and the
// summary numbers (Summary.swift). Semantics and tie-breaking follow pycocotools; differences are documented.
import Foundation
import Structures
import Tensor

public enum COCOEvaluator {
    /// Evaluates `detections` against `groundTruth`.
    ///
    /// Throws for detections naming unknown images or categories, non-finite scores or boxes, masks whose size
    /// is not their image's, and (segm) ground truth without a segmentation. Differences from pycocotools: a
    /// matched ground-truth id 0 still counts as a match (pycocotools treats id 0 as "unmatched").
    public static func evaluate(groundTruth: GroundTruth, detections: [Detection],
                                parameters: EvaluationParameters) throws -> EvaluationResult {
        let imageIds = parameters.imageIds.map { Array(Set($0)).sorted() } ?? groundTruth.images.map(\.id).sorted()
        let categoryIds = !parameters.useCategories ? [-1]
            : parameters.categoryIds.map { Array(Set($0)).sorted() } ?? Array(Set(groundTruth.categories.map(\.id))).sorted()
        let imageIndex = Dictionary(uniqueKeysWithValues: imageIds.enumerated().map { ($1, $0) })
        let categoryIndex = Dictionary(uniqueKeysWithValues: categoryIds.enumerated().map { ($1, $0) })
        let images = Dictionary(groundTruth.images.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let I = imageIds.count, K = categoryIds.count
        try validate(detections, against: groundTruth)

        if parameters.iouType == .segm, let missing = groundTruth.annotations.first(where: { $0.segmentation == nil }) {
            throw COCOError.file(groundTruth.source, "annotation \(missing.id) has no segmentation (needed for segm evaluation)")
        }

        // Group by (category, image) in file order, as pycocotools' _gts/_dts dictionaries (one bucket without categories).
        func bucket(_ categoryId: Int) -> Int? { parameters.useCategories ? categoryIndex[categoryId] : 0 }
        var groundTruthByPair = [[Int]](repeating: [], count: K * I)
        for (index, a) in groundTruth.annotations.enumerated() {
            if let k = bucket(a.categoryId), let i = imageIndex[a.imageId] { groundTruthByPair[k * I + i].append(index) }
        }
        var detectionsByPair = [[Int]](repeating: [], count: K * I)
        for (index, d) in detections.enumerated() {
            if let k = bucket(d.categoryId), let i = imageIndex[d.imageId] { detectionsByPair[k * I + i].append(index) }
        }
        let pairs = (0..<(K * I)).filter { !groundTruthByPair[$0].isEmpty || !detectionsByPair[$0].isEmpty }

        let A = parameters.areaRanges.count
        var records = [ImageEvaluation?](repeating: nil, count: K * A * I)
        var errors = [Error?](repeating: nil, count: pairs.count)
        let context = PairContext(groundTruth: groundTruth, detections: detections, parameters: parameters, images: images)
        records.withUnsafeMutableBufferPointer { recordBuffer in
            errors.withUnsafeMutableBufferPointer { errorBuffer in
                let recordSlots = recordBuffer, errorSlots = errorBuffer
                Parallel.forEachChunk(pairs.count, costPerItem: 4096) { range in
                    for p in range {
                        let pair = pairs[p], k = pair / I, i = pair % I
                        do {
                            let evaluations = try context.evaluatePair(
                                imageId: imageIds[i], categoryId: categoryIds[k],
                                groundTruthIndices: groundTruthByPair[pair], detectionIndices: detectionsByPair[pair])
                            for a in 0..<A { recordSlots[(k * A + a) * I + i] = evaluations[a] }
                        } catch {
                            errorSlots[p] = error
                        }
                    }
                }
            }
        }
        if let error = errors.compactMap({ $0 }).first { throw error }
        return accumulate(records: records, parameters: parameters, imageIds: imageIds, categoryIds: categoryIds)
    }

    /// pycocotools `accumulate`: precision T×R×K×A×M and recall T×K×A×M, −1 where a category has no
    /// not-ignored ground truth in that area range.
    /// Throws for detections naming unknown images or categories, non-finite scores or boxes, and masks whose
    /// size is not their image's.
    static func validate(_ detections: [Detection], against groundTruth: GroundTruth) throws {
        let images = Dictionary(groundTruth.images.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let knownCategories = Set(groundTruth.categories.map(\.id))
        for (index, d) in detections.enumerated() {
            guard let image = images[d.imageId] else {
                throw COCOError.invalid("detection \(index) refers to image id \(d.imageId), which is not in \(groundTruth.source)")
            }
            guard knownCategories.contains(d.categoryId) else {
                throw COCOError.invalid("detection \(index) refers to category id \(d.categoryId), which is not in \(groundTruth.source)")
            }
            guard d.score.isFinite else { throw COCOError.invalid("detection \(index) has a non-finite score (\(d.score))") }
            guard d.bbox.count == 4, d.bbox.allSatisfy(\.isFinite) else { throw COCOError.invalid("detection \(index) has a malformed bbox") }
            if let mask = d.mask, mask.height != image.height || mask.width != image.width {
                throw COCOError.invalid("detection \(index): mask is \(mask.height)x\(mask.width) but image \(d.imageId) is \(image.height)x\(image.width)")
            }
        }
    }

    static func accumulate(records: [ImageEvaluation?], parameters: EvaluationParameters,
                           imageIds: [Int], categoryIds: [Int]) -> EvaluationResult {
        let T = parameters.iouThresholds.count, R = parameters.recallThresholds.count
        let K = categoryIds.count, A = parameters.areaRanges.count, M = parameters.maxDetections.count, I = imageIds.count
        var precision = [Double](repeating: -1, count: T * R * K * A * M)
        var recall = [Double](repeating: -1, count: T * K * A * M)
        let recallThresholds = parameters.recallThresholds
        for k in 0..<K {
            for a in 0..<A {
                let evaluations = (0..<I).compactMap { records[(k * A + a) * I + $0] }
                if evaluations.isEmpty { continue }
                let positives = evaluations.reduce(0) { $0 + $1.groundTruthIgnore.filter { !$0 }.count }
                if positives == 0 { continue }
                for (m, maxDetections) in parameters.maxDetections.enumerated() {
                    // Concatenate each image's first maxDetections, then order by score (stable, like mergesort).
                    var scores: [Double] = []
                    var outcome: [[UInt8]] = Array(repeating: [], count: T)  // per threshold: 1 tp, 2 fp, 0 ignored
                    for evaluation in evaluations {
                        let n = evaluation.detectionIndices.count, kept = min(maxDetections, n)
                        scores.append(contentsOf: evaluation.detectionScores[0..<kept])
                        for t in 0..<T {
                            for d in 0..<kept {
                                let ignored = evaluation.detectionIgnore[t * n + d]
                                outcome[t].append(ignored ? 0 : (evaluation.detectionMatches[t * n + d] >= 0 ? 1 : 2))
                            }
                        }
                    }
                    let order = (0..<scores.count).sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
                    let count = order.count
                    var rc = [Double](repeating: 0, count: count), pr = [Double](repeating: 0, count: count)
                    for t in 0..<T {
                        var tp = 0.0, fp = 0.0
                        let flags = outcome[t]
                        for (position, entry) in order.enumerated() {
                            let flag = flags[entry]
                            if flag == 1 { tp += 1 } else if flag == 2 { fp += 1 }
                            rc[position] = tp / Double(positives)
                            pr[position] = tp / (fp + tp + Double.ulpOfOne)
                        }
                        recall[((t * K + k) * A + a) * M + m] = count > 0 ? rc[count - 1] : 0
                        // Precision envelope: non-increasing from the right.
                        if count > 1 { for j in stride(from: count - 1, to: 0, by: -1) where pr[j] > pr[j - 1] { pr[j - 1] = pr[j] } }
                        // First detection reaching each recall threshold (numpy searchsorted, side="left").
                        var j = 0
                        for r in 0..<R {
                            while j < count && rc[j] < recallThresholds[r] { j += 1 }
                            if j >= count { break }
                            precision[(((t * R + r) * K + k) * A + a) * M + m] = pr[j]
                        }
                        // Thresholds beyond the reached recall stay 0, not −1.
                        for r in 0..<R where precision[(((t * R + r) * K + k) * A + a) * M + m] == -1 {
                            precision[(((t * R + r) * K + k) * A + a) * M + m] = 0
                        }
                    }
                }
            }
        }
        return EvaluationResult(parameters: parameters, imageIds: imageIds, categoryIds: categoryIds,
                                precision: precision, recall: recall, imageEvaluations: records)
    }
}

/// Everything one (image, category) evaluation needs, shared read-only across workers.
struct PairContext {
    let groundTruth: GroundTruth
    let detections: [Detection]
    let parameters: EvaluationParameters
    let images: [Int: EvaluationImage]

    func evaluatePair(imageId: Int, categoryId: Int, groundTruthIndices: [Int], detectionIndices: [Int]) throws -> [ImageEvaluation] {
        let p = parameters
        let maxDetections = p.maxDetections.last ?? 100
        // Detections by descending score, stable, truncated to the largest limit.
        let sorted = detectionIndices.enumerated().sorted {
            let a = detections[$0.element].score, b = detections[$1.element].score
            return a != b ? a > b : $0.offset < $1.offset
        }.map(\.element).prefix(maxDetections)
        let dets = Array(sorted)
        let gts = groundTruthIndices.map { groundTruth.annotations[$0] }
        let crowd = gts.map(\.isCrowd)

        // Sparse IoU: per detection, the ground truth it overlaps at least at the lowest threshold.
        let lowest = p.iouThresholds.map { min($0, 1 - 1e-10) }.min() ?? 0.5
        var candidates = [[(g: Int, iou: Double)]](repeating: [], count: dets.count)
        if !dets.isEmpty && !gts.isEmpty {
            let ious = try iouMatrix(imageId: imageId, dets: dets, gts: gts, crowd: crowd)
            for d in 0..<dets.count {
                for g in 0..<gts.count where ious[d][g] >= lowest { candidates[d].append((g, ious[d][g])) }
            }
        }
        let scores = dets.map { detections[$0].score }
        let detectionAreas = dets.map { detections[$0].rangeArea(for: p.iouType) }
        let T = p.iouThresholds.count, D = dets.count, G = gts.count

        return p.areaRanges.enumerated().map { a, range in
            let ignore = gts.map { $0.isCrowd || range.excludes($0.area) }
            // Matching order: not-ignored ground truth first, each group in file order.
            let order = (0..<G).filter { !ignore[$0] } + (0..<G).filter { ignore[$0] }
            var position = [Int](repeating: 0, count: G)
            for (j, g) in order.enumerated() { position[g] = j }
            let sortedIgnore = order.map { ignore[$0] }, sortedCrowd = order.map { crowd[$0] }
            let sortedCandidates = candidates.map { $0.map { (position[$0.g], $0.iou) }.sorted { $0.0 < $1.0 } }

            var detectionMatches = [Int](repeating: -1, count: T * D)
            var groundTruthMatches = [Int](repeating: -1, count: T * G)
            var detectionIgnore = [Bool](repeating: false, count: T * D)
            for t in 0..<T {
                let threshold = min(p.iouThresholds[t], 1 - 1e-10)
                for d in 0..<D {
                    var best = threshold, match = -1
                    for (g, iou) in sortedCandidates[d] {
                        if groundTruthMatches[t * G + g] >= 0 && !sortedCrowd[g] { continue }
                        // Once matched to a real object, never move on to an ignored one.
                        if match > -1 && !sortedIgnore[match] && sortedIgnore[g] { break }
                        if iou < best { continue }
                        best = iou
                        match = g
                    }
                    if match == -1 { continue }
                    detectionIgnore[t * D + d] = sortedIgnore[match]
                    detectionMatches[t * D + d] = match
                    groundTruthMatches[t * G + match] = d
                }
                for d in 0..<D where detectionMatches[t * D + d] == -1 && range.excludes(detectionAreas[d]) {
                    detectionIgnore[t * D + d] = true
                }
            }
            return ImageEvaluation(imageId: imageId, categoryId: categoryId, areaRangeIndex: a,
                                   detectionIndices: dets, detectionScores: scores,
                                   groundTruthIds: order.map { gts[$0].id }, groundTruthIgnore: sortedIgnore,
                                   detectionMatches: detectionMatches, groundTruthMatches: groundTruthMatches,
                                   detectionIgnore: detectionIgnore)
        }
    }

    func iouMatrix(imageId: Int, dets: [Int], gts: [GroundTruthAnnotation], crowd: [Bool]) throws -> [[Double]] {
        switch parameters.iouType {
        case .bbox:
            return IoU.boxes(dets.map { detections[$0].bbox }, gts.map(\.bbox), crowd: crowd)
        case .segm:
            let image = images[imageId]!
            let gtMasks = try gts.map { a -> IoU.PreparedMask in
                guard let segmentation = a.segmentation else {
                    throw COCOError.file(groundTruth.source, "annotation \(a.id) has no segmentation (needed for segm evaluation)")
                }
                do { return IoU.PreparedMask(try segmentation.rle(imageHeight: image.height, imageWidth: image.width)) } catch {
                    throw COCOError.file(groundTruth.source, "annotation \(a.id): \(error)")
                }
            }
            let detMasks = dets.map { index -> IoU.PreparedMask in
                let d = detections[index]
                // Box-only results are evaluated as their box polygon, as pycocotools' loadRes makes them.
                return IoU.PreparedMask(d.mask ?? Polygon.rasterize(box: d.bbox, height: image.height, width: image.width))
            }
            return IoU.masks(detMasks, gtMasks, crowd: crowd)
        }
    }
}
