import FuzzSupport

@testable import GraderCore

/// Points a formula is evaluated at: the shapes formula parts declare (square and rectangular matrices, vectors,
/// scalars), some with singular or extreme entries.
let points: [[String: MathValue]] = setUp {
    [
        [
            "X": .matrix([[1, 2, 0], [-1, 3, 2], [0.5, 0, 1]]), "A": .matrix([[1, 0, 2], [0, 1, -1]]),
            "B": .matrix([[1, 2], [0, 1], [3, -1]]), "w": .vector([0.5, -1, 2]), "y": .vector([1, 0, 1]),
            "b": .vector([1, -2]), "x": .scalar(0.7), "t": .scalar(-2), "lambda": .scalar(0.1), "n": .scalar(3),
        ],
        [
            "X": .matrix([[0, 0, 0], [0, 0, 0], [0, 0, 0]]), "A": .matrix([[1e300, 0, 2], [0, -1e300, -1]]),
            "B": .matrix([[0, 0], [0, 0], [0, 0]]), "w": .vector([0, 0, 0]), "y": .vector([-1e308, 1e308, 0]),
            "b": .vector([0, 0]), "x": .scalar(0), "t": .scalar(.infinity), "lambda": .scalar(-0.0), "n": .scalar(1e9),
        ],
    ]
}

/// The names the points give values to, which LaTeX's letter runs are split against.
let names: [String] = setUp { points[0].keys.sorted() }

/// Parses the input as a formula, in the calculator syntax and as LaTeX, and evaluates each reading at each point:
/// any text must parse or fail with a message, and any parsed formula evaluate or fail with one, within the
/// fuzzer's time limit. A LaTeX reading written back in LaTeX must read again to the same text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFormula(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: bytes(data, size), as: UTF8.self)
    var readings: [MathExpression] = []
    do { readings.append(try MathExpression(parsing: text)) } catch {
        require(!error.message.isEmpty, "a parse error without a message for \(text.debugDescription)")
    }
    let reader = LaTeXReader(variables: names)
    do {
        let read = try reader.read(text)
        readings.append(read)
        let written = LaTeXWriter.latex(read)
        // What is written back is for people; only what fits the reader's length limit can be read again.
        if written.count <= MathParser.maxLength {
            let again = (try? reader.read(written)).map(LaTeXWriter.latex)
            require(
                again == written,
                "\(text.debugDescription) was written \(written), which reads as \(again ?? "nothing")")
        }
    } catch {
        require(!error.message.isEmpty, "a LaTeX error without a message for \(text.debugDescription)")
    }
    for expression in readings {
        _ = expression.names
        for point in points {
            do { _ = try MathEvaluator(variables: point).evaluate(expression) } catch {
                require(!error.message.isEmpty, "an evaluation error without a message for \(text.debugDescription)")
            }
        }
    }
    return 0
}
