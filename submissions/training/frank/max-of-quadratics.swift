// frank: the right piece, but the gradient of 1/2 x^T A x taken as A x.

func maxOfQuadraticsGradient(A: [[[Double]]], b: [[Double]], x: [Double]) -> [Double] {
    func matvec(_ M: [[Double]], _ v: [Double]) -> [Double] { M.map { zip($0, v).reduce(0) { $0 + $1.0 * $1.1 } } }
    func dot(_ u: [Double], _ v: [Double]) -> Double { zip(u, v).reduce(0) { $0 + $1.0 * $1.1 } }
    let values = A.indices.map { 0.5 * dot(x, matvec(A[$0], x)) + dot(b[$0], x) }
    let i = values.indices.max { values[$0] < values[$1] }!
    return zip(matvec(A[i], x), b[i]).map(+)
}
