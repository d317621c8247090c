/// A small, fast, reproducible random generator (SplitMix64), so that every run draws the same trial inputs.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator whose seed mixes a base seed with a name, so each part draws its own stream.
    public init(seed: UInt64, salt: String) {
        var mixed = seed ^ 0x9E37_79B9_7F4A_7C15
        for byte in salt.utf8 { mixed = (mixed ^ UInt64(byte)) &* 0x100_0000_01B3 }
        state = mixed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A whole number in `range`, from the next raw output by a multiply-high (the top 64 bits of output x span).
    ///
    /// Our own mapping, not `Int.random(in:using:)`: Swift does not promise that the standard library maps a
    /// generator's outputs to values the same way in every version, and trials must be identical on every machine
    /// and toolchain. One raw output per value, always, so the stream never depends on the values drawn.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(bitPattern: Int64(range.upperBound &- range.lowerBound)) &+ 1
        let raw = next()
        if span == 0 { return Int(bitPattern: UInt(raw)) }  // the whole range of Int
        return range.lowerBound &+ Int(bitPattern: UInt(raw.multipliedFullWidth(by: span).high))
    }

    /// A double in [0, 1): the top 53 bits of the next raw output, times 2^-53 (exact).
    public mutating func unitInterval() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A double in `range` (the upper bound included only by rounding), from one raw output.
    public mutating func double(in range: ClosedRange<Double>) -> Double {
        range.lowerBound + unitInterval() * (range.upperBound - range.lowerBound)
    }
}
