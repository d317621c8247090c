import FuzzSupport

@testable import GraderCore

/// The return types a harness decodes, one picked by the input's first byte.
let types: [SwiftType] = setUp {
    [
        .int, .uint64, .double, .bool, .string, .array(.double), .array(.array(.double)), .array(.int),
        .tuple([(label: "loss", type: .double), (label: "weights", type: .array(.double))]),
        .array(.tuple([(label: nil, type: .int), (label: nil, type: .array(.array(.double)))])),
        .array(.string), .tuple([(label: "curve", type: .array(.double)), (label: "best", type: .int)]),
    ]
}

/// Reads the input as what a sandboxed run wrote on its result channel (after a byte choosing the return type and
/// one the number of trials): any bytes must be read without trapping, and a trial's output can only come from a
/// well-formed frame of its own number.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzResults(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = bytes(data, size)
    guard input.count >= 2 else { return 0 }
    let type = types[Int(input[0]) % types.count]
    let trials = 1 + Int(input[1]) % 12
    let frames = ResultFrames(Array(input.dropFirst(2)), returnType: type, trialCount: trials)
    require(frames.outputs.count == trials, "\(frames.outputs.count) outputs for \(trials) trials")
    for case let output? in frames.outputs {
        var tokens: [String] = []
        WireFormat.encode(output, into: &tokens)
        var index = 0
        let again = WireFormat.decode(type, from: tokens.map { Substring($0) }, at: &index)
        var tokensAgain: [String] = []
        if let again { WireFormat.encode(again, into: &tokensAgain) }
        require(tokensAgain == tokens && index == tokens.count, "a decoded output does not survive a round trip")
    }
    if frames.outputs.contains(where: { $0 != nil }) {
        let text = String(decoding: input.dropFirst(2), as: UTF8.self)
        require(text.contains("R "), "an output without any result frame")
    }
    return 0
}
