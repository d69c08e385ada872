// Batches prepared on a background thread while the model computes. The data order and every augmentation
// draw are pure functions of (seed, epoch, index), so a run resumes exactly from a stored `LoaderState`.
import Foundation
import Structures

/// Where a loader stands: the next batch starts at position `index` of epoch `epoch`'s order.
/// The generators are derived, not stored: epoch e's order uses `DataRandom(seed:, stream: orderStream, e)`
/// and the sample at (e, i) is augmented with `DataRandom(seed:, stream: e, i)`.
public struct LoaderState: Codable, Equatable, Sendable {
    public var seed: UInt64
    public var epoch: Int
    public var index: Int

    public init(seed: UInt64, epoch: Int = 0, index: Int = 0) {
        self.seed = seed
        self.epoch = epoch
        self.index = index
    }

    /// The state of the generator that will augment the next sample (for logs and checkpoints).
    public var randomState: UInt64 { DataRandom(seed: seed, stream: UInt64(epoch), UInt64(index)).state }
}

/// Builds the batch that starts at a given position; a pure function of its inputs.
public struct BatchAssembler: Sendable {
    public let dataset: any InstanceDataset
    public let transform: SampleTransform
    public let batchSize: Int
    public let shuffle: Bool

    static let orderStream: UInt64 = 0x0DE7_0DE7

    public init(dataset: any InstanceDataset, transform: SampleTransform, batchSize: Int, shuffle: Bool) {
        precondition(batchSize > 0, "batch size must be positive")
        precondition(dataset.count > 0, "cannot load batches from an empty dataset")
        self.dataset = dataset
        self.transform = transform
        self.batchSize = batchSize
        self.shuffle = shuffle
    }

    /// The dataset indices of `epoch`, in the order they are visited.
    public static func order(count: Int, seed: UInt64, epoch: Int, shuffle: Bool) -> [Int] {
        var indices = Array(0..<count)
        if shuffle {
            var random = DataRandom(seed: seed, stream: orderStream, UInt64(epoch))
            indices.shuffle(using: &random)
        }
        return indices
    }

    /// The batch starting at `state`, the state after it, and the samples skipped because they could not be read.
    public func makeBatch(at state: LoaderState) throws -> (batch: ImageBatch, next: LoaderState, skipped: [String]) {
        var position = state
        var order = BatchAssembler.order(count: dataset.count, seed: state.seed, epoch: position.epoch, shuffle: shuffle)
        var samples: [TransformedSample] = []
        var skipped: [String] = []
        while samples.count < batchSize {
            if position.index >= order.count {
                position.epoch += 1
                position.index = 0
                order = BatchAssembler.order(count: dataset.count, seed: state.seed, epoch: position.epoch, shuffle: shuffle)
            }
            var random = DataRandom(seed: state.seed, stream: UInt64(position.epoch), UInt64(position.index))
            do {
                let sample = try dataset.sample(at: order[position.index])
                samples.append(try transform.apply(sample, random: &random))
            } catch {
                skipped.append("epoch \(position.epoch) position \(position.index) (image \(order[position.index])): \(error)")
                // A dataset where nothing can be read would otherwise spin forever.
                if skipped.count > dataset.count { throw error }
            }
            position.index += 1
        }
        return (BatchCollation.collate(samples, sizeDivisibility: transform.config.sizeDivisibility), position, skipped)
    }
}

extension BatchAssembler {
    /// The images at `indices` (dataset order, no augmentation draw unless the transform is a training one,
    /// whose generator is then seeded by the index), e.g. one evaluation batch. Unreadable images throw.
    public func batch(ofIndices indices: [Int], seed: UInt64 = 0) throws -> ImageBatch {
        precondition(!indices.isEmpty, "a batch needs at least one image")
        let samples = try indices.map { index -> TransformedSample in
            var random = DataRandom(seed: seed, stream: UInt64(index))
            return try transform.apply(try dataset.sample(at: index), random: &random)
        }
        return BatchCollation.collate(samples, sizeDivisibility: transform.config.sizeDivisibility)
    }

    /// One pass over the dataset in order, in batches of `batchSize` (the last may be smaller): index lists
    /// for `batch(ofIndices:)`, as an evaluator walks a validation split.
    public var evaluationBatchIndices: [[Int]] {
        stride(from: 0, to: dataset.count, by: batchSize).map { Array($0..<min($0 + batchSize, dataset.count)) }
    }
}

/// An endless stream of batches prepared `prefetch` ahead on a background thread. Epoch after epoch; a batch
/// may span two epochs (as detectron2's infinite training sampler). With `shuffle` off the order is 0, 1, 2, …
public final class BatchLoader: @unchecked Sendable {
    public let assembler: BatchAssembler
    private let channel: BatchChannel
    private var consumed: LoaderState
    /// Samples that could not be read (e.g. a corrupt image), skipped, with the reason; up to the last batch returned.
    public private(set) var skipped: [String] = []

    /// Starts the background thread at `state` immediately.
    public init(assembler: BatchAssembler, state: LoaderState, prefetch: Int = 2) {
        precondition(prefetch > 0, "prefetch must be positive")
        self.assembler = assembler
        consumed = state
        let channel = BatchChannel(capacity: prefetch)
        self.channel = channel
        // The thread holds the channel and the assembler, never the loader, so dropping the loader stops it.
        let thread = Thread {
            var position = state
            while channel.waitForRoom() {
                do {
                    let made = try assembler.makeBatch(at: position)
                    position = made.next
                    channel.put(made)
                } catch {
                    channel.fail(error)
                    return
                }
            }
        }
        thread.name = "BatchLoader"
        thread.start()
    }

    public convenience init(dataset: any InstanceDataset, transform: SampleTransform, batchSize: Int, shuffle: Bool,
                            state: LoaderState, prefetch: Int = 2) {
        self.init(assembler: BatchAssembler(dataset: dataset, transform: transform, batchSize: batchSize, shuffle: shuffle),
                  state: state, prefetch: prefetch)
    }

    deinit { channel.cancel() }

    /// The position after the last batch returned by `next()`: store it to resume there.
    public var state: LoaderState { consumed }

    /// The next batch; blocks until the background thread has it. Rethrows the error that stopped the producer.
    public func next() throws -> ImageBatch {
        let made = try channel.take()
        consumed = made.next
        skipped += made.skipped
        return made.batch
    }

    /// Stops the background thread (also done when the loader is released).
    public func stop() { channel.cancel() }
}

/// A bounded hand-over between the producer thread and the consumer.
final class BatchChannel: @unchecked Sendable {
    typealias Item = (batch: ImageBatch, next: LoaderState, skipped: [String])
    private let condition = NSCondition()
    private var items: [Item] = []
    private var failure: Error?
    private var cancelled = false
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// Blocks while full; false once cancelled.
    func waitForRoom() -> Bool {
        condition.lock(); defer { condition.unlock() }
        while items.count >= capacity && !cancelled { condition.wait() }
        return !cancelled
    }

    func put(_ item: Item) {
        condition.lock(); defer { condition.unlock() }
        items.append(item)
        condition.broadcast()
    }

    func fail(_ error: Error) {
        condition.lock(); defer { condition.unlock() }
        failure = error
        condition.broadcast()
    }

    func take() throws -> Item {
        condition.lock(); defer { condition.unlock() }
        while items.isEmpty && failure == nil && !cancelled { condition.wait() }
        if items.isEmpty {
            if let failure { throw failure }
            throw DatasetError.invalidConfig("batch loader was stopped")
        }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }

    func cancel() {
        condition.lock(); defer { condition.unlock() }
        cancelled = true
        condition.broadcast()
    }
}
