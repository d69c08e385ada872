// Decoding of the data configs (augmentation, synthetic shapes) from partial files: a key that is absent
// keeps its default, so an experiment lists only what it changes.

extension KeyedDecodingContainer {
    /// The value at `key`, or `fallback` when the key is absent (a present key of the wrong type still throws).
    func value<T: Decodable>(_ key: Key, or fallback: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback
    }
}
